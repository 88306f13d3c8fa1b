//! The command line: clap structures holding what was typed, and dispatch to the modules that
//! do the work. Nothing here talks to GraceDB itself.

pub mod exit;
mod sandbox;

use clap::{Parser, Subcommand};

pub use exit::Exit;

/// Declarative batch workflows for GraceDB uploads and annotations.
#[derive(Debug, Parser)]
#[command(name = "graceflow", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a GraceDB-compatible sandbox on loopback (state kept under --data).
    Sandbox(sandbox::SandboxArgs),
}

/// Run the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Sandbox(a) => sandbox::run(a).await,
    }
}
