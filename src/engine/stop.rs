//! A stop request shared by the engine's tasks: set once (SIGTERM, SIGINT), seen by all.

use std::sync::Arc;

use tokio::sync::watch;

/// Set when the run must stop: no new request starts, retries stop waiting, and requests in
/// flight get a grace period.
#[derive(Debug, Clone)]
pub struct StopSignal(Arc<watch::Sender<bool>>);

impl Default for StopSignal {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl StopSignal {
    /// Ask the run to stop.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once a stop is asked for.
    pub async fn stopped(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_waiter_sees_the_stop() {
        let s = StopSignal::default();
        assert!(!s.is_stopped());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.stopped().await })
            })
            .collect();
        tokio::task::yield_now().await;
        s.stop();
        for w in waiters {
            tokio::time::timeout(std::time::Duration::from_secs(5), w)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(s.is_stopped());
        // A waiter that arrives late returns at once.
        s.stopped().await;
    }
}
