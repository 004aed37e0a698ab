//! Temporary stand-in for `tilink sim` (until the CLI wires it):
//! `cargo run --example sim -- [sim] [--listen ADDR] [--seed N] [--time-scale X] [--fault-rate F] [--latency-ms N]`.

use tilink::sim::{SimOptions, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut opts = SimOptions::default();
    let mut args = std::env::args().skip(1).filter(|a| a != "sim");
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--listen" => opts.listen = val()?.parse()?,
            "--seed" => opts.seed = val()?.parse()?,
            "--time-scale" => opts.time_scale = val()?.parse()?,
            "--fault-rate" => opts.fault_rate = val()?.parse()?,
            "--latency-ms" => opts.latency_ms = val()?.parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    run(opts).await
}
