//! The pieces of a chain that `gather` reads, named once: a check declares the ones it
//! needs, and is unknown when one of them could not be read.

/// One piece of a chain that `gather` reads, and can record as missing (absent, with why)
/// or unknown (the read failed). A check declares the pieces it `needs` in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Piece {
    /// The Alibaba caller identity (`GetCallerIdentity`).
    Caller,
    /// The TiDB Cloud cluster.
    Cluster,
    /// TiDB Cloud's account and zones for private links.
    Tidb,
    /// The endpoint service.
    Service,
    /// Its attached resources.
    Resources,
    /// Its whitelist.
    Users,
    /// Its connection requests.
    Connections,
    /// The region's RDS for MySQL instances.
    Instances,
    /// The NLB.
    Lb,
    /// Its listeners.
    Listeners,
    /// Their server groups.
    ServerGroups,
    /// The groups' backends.
    Servers,
    /// The listeners' health.
    Health,
    /// The vSwitches of the NLB's VPC.
    Vswitches,
    /// The RDS instance behind the backends.
    Rds,
    /// Changefeeds through the PLC.
    Changefeeds,
    /// DM tasks through the PLC.
    Migrations,
}

impl Piece {
    /// Every piece `gather` reads.
    pub const ALL: [Piece; 17] = [
        Piece::Caller,
        Piece::Cluster,
        Piece::Tidb,
        Piece::Service,
        Piece::Resources,
        Piece::Users,
        Piece::Connections,
        Piece::Instances,
        Piece::Lb,
        Piece::Listeners,
        Piece::ServerGroups,
        Piece::Servers,
        Piece::Health,
        Piece::Vswitches,
        Piece::Rds,
        Piece::Changefeeds,
        Piece::Migrations,
    ];

    /// Whether `gather` reads it from the NLB on (the NLB to the RDS instance behind it,
    /// declared in that order): it cannot be looked at without the NLB.
    pub fn hangs_off_nlb(self) -> bool {
        (Piece::Lb..=Piece::Rds).contains(&self)
    }

    /// Its name in evidence (`"unreadable": "server_groups"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Piece::Caller => "caller",
            Piece::Cluster => "cluster",
            Piece::Tidb => "tidb",
            Piece::Service => "service",
            Piece::Resources => "resources",
            Piece::Users => "users",
            Piece::Connections => "connections",
            Piece::Instances => "instances",
            Piece::Lb => "lb",
            Piece::Listeners => "listeners",
            Piece::ServerGroups => "server_groups",
            Piece::Servers => "servers",
            Piece::Health => "health",
            Piece::Vswitches => "vswitches",
            Piece::Rds => "rds",
            Piece::Changefeeds => "changefeeds",
            Piece::Migrations => "migrations",
        }
    }
}

impl std::fmt::Display for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
