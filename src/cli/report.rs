//! How a failed command says why: one line on stderr, each cause once.
//!
//! An error often carries its cause both in its own message and as its source (a driver
//! error wrapped by SeaORM, an I/O error by the listener): printing the whole chain would say
//! the same thing twice, so a cause already in the line is left out.

/// `error` and its causes, outermost first, joined by `: `, none repeated.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot listen on 127.0.0.1:8000: {source}")]
    struct Listen {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::AddrInUse, "Address already in use (os error 98)");
        let error = anyhow::Error::new(Listen { source: io }).context("service stopped");
        assert_eq!(
            one_line(&error),
            "service stopped: cannot listen on 127.0.0.1:8000: Address already in use (os error 98)"
        );
    }

    #[test]
    fn a_cause_not_in_the_message_is_added() {
        let error = anyhow::anyhow!("refused").context("cannot connect to postgres://db/x");
        assert_eq!(one_line(&error), "cannot connect to postgres://db/x: refused");
    }
}
