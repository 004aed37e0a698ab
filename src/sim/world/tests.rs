use super::*;

#[test]
fn world_is_deterministic_and_realistic() {
    let a = World::new(42, Clock::new(0.0));
    let b = World::new(42, Clock::new(0.0));
    let c = World::new(43, Clock::new(0.0));
    assert_eq!(a.main_rds_id, b.main_rds_id);
    assert_eq!(a.keys[0].id, b.keys[0].id);
    assert_ne!(a.main_rds_id, c.main_rds_id);
    assert!(a.vpcs[0].id.starts_with("vpc-t4n"));
    assert_eq!(a.main_cluster_id.len(), 19);
    assert_eq!(a.tidb_account_id.to_string().len(), 16);
    let main = a.rds.iter().find(|r| r.id == a.main_rds_id).unwrap();
    let vsw = a
        .vswitches
        .iter()
        .find(|v| v.id == main.vswitch_id)
        .unwrap();
    assert!(net::contains(
        net::parse_cidr(&vsw.cidr).unwrap(),
        net::parse_ip(&main.private_ip).unwrap()
    ));
    assert_eq!(vsw.zone, "ap-southeast-1a");
}

#[test]
fn vswitch_allocation_skips_used() {
    let mut w = World::new(1, Clock::new(0.0));
    let main_ip = w.rds[0].private_ip.clone();
    let vsw = w
        .vswitches
        .iter_mut()
        .find(|v| v.zone == "ap-southeast-1a")
        .unwrap();
    let before = vsw.available;
    let ips: Vec<_> = (0..3).map(|_| vsw.allocate().unwrap()).collect();
    assert!(!ips.contains(&main_ip));
    assert_eq!(vsw.available, before - 3);
    vsw.release(&ips[0]);
    assert_eq!(vsw.available, before - 2);
}
