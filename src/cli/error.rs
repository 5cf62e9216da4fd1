//! Why a command failed, and the exit status that says so: 2 for bad input or configuration, 1
//! for anything that failed at run time (a batch or domain not found, the database, a write).
//! Each keeps its cause, so the one line on stderr names it ([`super::report::one_line`]).

use std::process::ExitCode;

/// Bad input or configuration: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line, a file it names or the configuration is wrong: exit status 2.
    #[error(transparent)]
    BadInput(#[from] BadInput),
    /// What the command was asked about does not exist (a batch, a domain): exit status 1.
    #[error("{0}")]
    NotFound(String),
    /// Something failed while the command ran (the database, the network, a write): exit
    /// status 1.
    #[error(transparent)]
    Runtime(anyhow::Error),
}

impl CliError {
    /// The process exit status of this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::BadInput(_) => ExitCode::from(2),
            CliError::NotFound(_) | CliError::Runtime(_) => ExitCode::from(1),
        }
    }

    /// The one line stderr shows after `error: `, each cause once.
    pub fn message(&self) -> String {
        match self {
            CliError::BadInput(input) => input.to_string(),
            CliError::NotFound(text) => text.clone(),
            CliError::Runtime(error) => super::report::one_line(error),
        }
    }
}

/// A failure a command met as an `anyhow::Error`: bad input, or a command's own failure, when
/// that is what it carries.
impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> CliError {
        let error = match error.downcast::<CliError>() {
            Ok(failure) => return failure,
            Err(error) => error,
        };
        match error.downcast::<BadInput>() {
            Ok(input) => CliError::BadInput(input),
            Err(error) => CliError::Runtime(error),
        }
    }
}

/// Run-time failures a command meets directly.
macro_rules! runtime_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for CliError {
            fn from(error: $error) -> CliError {
                CliError::Runtime(anyhow::Error::new(error))
            }
        }
    )*};
}
runtime_errors!(sea_orm::DbErr, serde_json::Error, std::io::Error, crate::export::ExportError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_exits_2_even_when_carried_by_anyhow() {
        let carried: CliError = anyhow::Error::new(BadInput("--url: bad".into())).into();
        assert!(matches!(carried, CliError::BadInput(_)));
        assert_eq!(carried.exit_code(), ExitCode::from(2));
        assert_eq!(carried.message(), "--url: bad");
    }

    #[test]
    fn failures_at_run_time_exit_1_with_their_causes() {
        let runtime: CliError =
            anyhow::anyhow!("refused").context("cannot connect to postgres://db/x").into();
        assert_eq!(runtime.exit_code(), ExitCode::from(1));
        assert_eq!(runtime.message(), "cannot connect to postgres://db/x: refused");
        let missing = CliError::NotFound("batch 7 not found".into());
        assert_eq!((missing.exit_code(), missing.message()), (ExitCode::from(1), "batch 7 not found".into()));
        let database: CliError = sea_orm::DbErr::Custom("gone".into()).into();
        assert!(
            matches!(database, CliError::Runtime(ref error) if error.downcast_ref::<sea_orm::DbErr>().is_some()),
            "the cause is kept with its type"
        );
        let wrapped: CliError =
            anyhow::Error::new(CliError::BadInput(BadInput("choose a tenant".into()))).into();
        assert_eq!(wrapped.exit_code(), ExitCode::from(2), "a command's own failure keeps its status");
    }
}
