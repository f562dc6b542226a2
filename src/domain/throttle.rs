//! Login throttling: how many failures a key may collect in a window, and how long the
//! caller waits once it has.

use chrono::{DateTime, Duration, Utc};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW_SECONDS: i64 = 60;

/// Given the failure times of one key inside the window, the seconds to wait before the
/// next attempt, or `None` when an attempt is allowed now.
pub fn retry_after(failures_in_window: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
    if failures_in_window.len() < MAX_FAILURES {
        return None;
    }
    let mut recent = failures_in_window.to_vec();
    recent.sort_unstable();
    // Attempts resume once enough failures have left the window to drop below the limit.
    let freeing = recent[recent.len() - MAX_FAILURES];
    let wait = freeing + Duration::seconds(WINDOW_SECONDS) - now;
    Some(wait.num_seconds().clamp(1, WINDOW_SECONDS) as u64)
}

pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::seconds(WINDOW_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("valid timestamp")
    }

    #[test]
    fn four_failures_still_allow_an_attempt() {
        let failures: Vec<_> = (0..4).map(at).collect();
        assert_eq!(retry_after(&failures, at(5)), None);
    }

    #[test]
    fn the_fifth_failure_blocks_until_the_oldest_leaves_the_window() {
        let failures: Vec<_> = (0..5).map(|i| at(i * 2)).collect();
        assert_eq!(retry_after(&failures, at(10)), Some(50));
        assert_eq!(retry_after(&failures, at(59)), Some(1));
    }

    #[test]
    fn the_wait_is_at_least_one_second() {
        let failures: Vec<_> = (0..5).map(|_| at(0)).collect();
        assert_eq!(retry_after(&failures, at(60)), Some(1));
    }
}
