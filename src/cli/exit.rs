//! Process exit codes: the one place an outcome becomes a status (documented in the README for
//! DAGMan's `RETRY … UNLESS-EXIT`).

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success,
    /// A permanent failure: bad input, a rejected request. Retrying will not help.
    Permanent,
    /// The command line was wrong.
    Usage,
    /// A transient failure; running the same command again resumes.
    Resumable,
}

impl Exit {
    /// The numeric status.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Permanent => 1,
            Self::Usage => 2,
            // EX_TEMPFAIL from sysexits.h: "try again later".
            Self::Resumable => 75,
        }
    }
}

impl Exit {
    /// What the status means for whoever runs the command again (DAGMan, a person).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Success => "done",
            Self::Permanent => "failed; running it again will not help until the cause is fixed",
            Self::Usage => "the command line is wrong",
            Self::Resumable => {
                "not finished (a transient failure or a stop); run the same command again to resume"
            }
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn codes_are_stable() {
        let all = [Exit::Success, Exit::Permanent, Exit::Usage, Exit::Resumable];
        let codes: Vec<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes, [0, 1, 2, 75]);
    }
}
