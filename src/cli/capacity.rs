//! `flotilla sim capacity --kubeconfig FILE [--context C]`: each cluster as
//! a `cluster.karmada.io/v1alpha1` Cluster with status, the input of
//! `flotilla render --cluster-state`.

use crate::observe::client;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The kubeconfig whose contexts are the clusters.
    #[arg(long, value_name = "FILE")]
    kubeconfig: PathBuf,
    /// Only this context (default: every context).
    #[arg(long)]
    context: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    let kubeconfig = client::read_kubeconfig(&args.kubeconfig)
        .with_context(|| format!("`{}`", args.kubeconfig.display()))?;
    let contexts = if args.context.is_empty() {
        client::contexts(&kubeconfig)
    } else {
        args.context.clone()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let mut unreachable = Vec::new();
    let docs = runtime.block_on(async {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut docs = Vec::new();
        for context in &contexts {
            let c = client::client(&kubeconfig, context).await?;
            let observation = client::observe(&c, &now).await;
            if let Some(e) = observation.error {
                unreachable.push(format!("{context}: {e}"));
            }
            docs.push(serde_norway::to_string(&client::cluster_object(
                context,
                observation.status,
            ))?);
        }
        Ok::<_, anyhow::Error>(docs)
    })?;
    print!("{}", docs.join("---\n"));
    for u in &unreachable {
        eprintln!("warning: cluster {u}");
    }
    Ok(super::Outcome::Ok)
}
