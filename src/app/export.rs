//! `tilink export terraform`: locate the setup (journal, else tags), read every resource
//! back from the APIs and print HCL with `import` blocks (text) or `{"hcl", "ticloud", …}`
//! (`-o json`).

use super::context::Env;
use super::{Failure, exit};
use crate::cli::{ExportArgs, ExportFormat, GlobalArgs, Output};
use crate::engine::teardown::locate;
use crate::export::{gather, terraform, ticloud_command};

/// Entry point of `tilink export`.
pub async fn command(g: &GlobalArgs, a: ExportArgs) -> Result<u8, Failure> {
    let env = crate::app::context::from_chain(g).await?;
    let text = run(g, &env, &a).await?;
    print!("{text}");
    Ok(exit::OK)
}

/// Export with a given environment (also used by tests): returns what goes to stdout.
pub async fn run(g: &GlobalArgs, env: &Env, a: &ExportArgs) -> Result<String, Failure> {
    let (cluster_id, clients) = env
        .setup_clients(a.cluster_id.as_deref(), a.setup.as_deref())
        .await?;
    super::verify_alibaba_key(&clients).await?;
    let journal = locate(&clients, &env.store, &cluster_id, a.setup.as_deref())
        .await
        .map_err(Failure::from)?;
    let facts = gather(&clients, &journal)
        .await
        .map_err(|e| Failure::from(e.context(format!("export of setup {}", journal.setup_id))))?;
    if facts.server_group.is_none()
        && facts.load_balancer.is_none()
        && facts.endpoint_service.is_none()
    {
        return Err(Failure::input(format!(
            "setup {} (cluster {cluster_id}) has no resources left to export; it may have been torn down",
            journal.setup_id
        )));
    }
    match a.format {
        ExportFormat::Terraform => {
            let hcl = terraform::render(&facts);
            Ok(match g.output {
                Output::Text => hcl,
                Output::Json => {
                    let imports: Vec<serde_json::Value> = terraform::imports(&facts)
                        .into_iter()
                        .map(|(to, id)| serde_json::json!({"to": to, "id": id}))
                        .collect();
                    format!(
                        "{}\n",
                        serde_json::json!({
                            "setup_id": facts.setup_id,
                            "cluster_id": facts.cluster_id,
                            "region": facts.region,
                            "hcl": hcl,
                            "imports": imports,
                            "ticloud": ticloud_command(&facts),
                        })
                    )
                }
            })
        }
    }
}
