//! The `ose-api` command line: parses it and hands over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ose_api::{app, config, logging};

#[derive(Parser)]
#[command(
    name = "ose-api",
    version,
    about = "HTTP/JSON API of a one-stop shop for open source expertise",
    after_help = "Logging follows RUST_LOG (default: info), e.g. RUST_LOG=debug."
)]
struct Cli {
    #[command(flatten)]
    settings: config::Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the admin EMAIL, or reset its password; the password is read from stdin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (the only way; required for clarity).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Load the demo network (partners, skills, projects, buyers); running it again adds
    /// only what is missing.
    SeedDemo,
    /// Prove that the ledger still extends the checkpoints kept in FILE (one checkpoint,
    /// an array, or a page of `GET /api/v1/ledger/checkpoints`), and verify the chain.
    VerifyLedger {
        #[arg(long, value_name = "FILE")]
        checkpoint: std::path::PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
}

/// Errors are one line for operators and log collectors, whatever the drivers print.
fn fail(message: impl std::fmt::Display, code: u8) -> ExitCode {
    let message = message.to_string();
    let one_line: Vec<&str> = message.split_whitespace().collect();
    eprintln!("ose-api: {}", one_line.join(" "));
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init("info,r2d2=off");
    if let Some(Command::Openapi) = cli.command {
        print!("{}", app::openapi_json());
        return ExitCode::SUCCESS;
    }
    let config = match config::Config::from_settings(&cli.settings) {
        Ok(config) => config,
        Err(e) => return fail(e, 2),
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new()
            .block_on(app::serve(config))
            .map(|()| "stopped".to_owned()),
        Command::Migrate => app::migrate(&config).map(|n| format!("{n} migration(s) applied")),
        Command::CreateAdmin { email, .. } => app::create_admin(&config, &email, std::io::stdin())
            .map(|id| format!("admin {email} ready (id {id})")),
        Command::SeedDemo => app::seed_demo(&config),
        Command::VerifyLedger { checkpoint } => {
            return match app::verify_ledger(&config, &checkpoint) {
                Ok((holds, lines)) => {
                    for line in lines {
                        println!("{line}");
                    }
                    if holds {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => fail(e, 1),
            };
        }
        Command::Openapi => unreachable!("handled above"),
    };
    match outcome {
        Ok(message) => {
            log::info!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, 1),
    }
}
