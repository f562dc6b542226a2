//! Login throttling: whom failures count against, how many each may collect in a window,
//! and how long the caller waits once it has.

use chrono::{DateTime, Duration, Utc};

pub const WINDOW_SECONDS: i64 = 60;

/// What a failed sign-in counts against. One account from one address is stopped first;
/// the account from every address, and one address against every account, only after
/// many more: an attacker cannot lock a user out everywhere with a handful of guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This account (or API client) from this address.
    Pair,
    Account,
    Address,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Pair, Scope::Account, Scope::Address];

    /// Failures allowed within the window.
    pub fn limit(self) -> usize {
        match self {
            Scope::Pair => 5,
            Scope::Account => 20,
            Scope::Address => 50,
        }
    }

    /// The key failures are counted under, for `account` (`account:…` or `client:…`)
    /// seen from `address`.
    pub fn key(self, account: &str, address: &str) -> String {
        match self {
            Scope::Pair => format!("pair:{account}@{address}"),
            Scope::Account => account.to_owned(),
            Scope::Address => format!("address:{address}"),
        }
    }
}

/// Given the failure times of one key inside the window and its limit, the seconds to
/// wait before the next attempt, or `None` when an attempt is allowed now.
pub fn retry_after(
    failures_in_window: &[DateTime<Utc>],
    limit: usize,
    now: DateTime<Utc>,
) -> Option<u64> {
    if limit == 0 || failures_in_window.len() < limit {
        return None;
    }
    let mut recent = failures_in_window.to_vec();
    recent.sort_unstable();
    // Attempts resume once enough failures have left the window to drop below the limit.
    let freeing = recent[recent.len() - limit];
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
        assert_eq!(retry_after(&failures, 5, at(5)), None);
    }

    #[test]
    fn the_fifth_failure_blocks_until_the_oldest_leaves_the_window() {
        let failures: Vec<_> = (0..5).map(|i| at(i * 2)).collect();
        assert_eq!(retry_after(&failures, 5, at(10)), Some(50));
        assert_eq!(retry_after(&failures, 5, at(59)), Some(1));
    }

    #[test]
    fn the_wait_is_at_least_one_second() {
        let failures: Vec<_> = (0..5).map(|_| at(0)).collect();
        assert_eq!(retry_after(&failures, 5, at(60)), Some(1));
    }

    #[test]
    fn a_pair_is_stopped_long_before_its_account_or_address() {
        assert!(Scope::Pair.limit() < Scope::Account.limit());
        assert!(Scope::Account.limit() < Scope::Address.limit());
        let keys: Vec<String> = Scope::ALL
            .iter()
            .map(|scope| scope.key("account:a@example.org", "192.0.2.7"))
            .collect();
        assert_eq!(
            keys,
            [
                "pair:account:a@example.org@192.0.2.7",
                "account:a@example.org",
                "address:192.0.2.7"
            ]
        );
        let failures: Vec<_> = (0..19).map(at).collect();
        assert_eq!(retry_after(&failures, Scope::Account.limit(), at(30)), None);
        assert!(retry_after(&failures, Scope::Pair.limit(), at(30)).is_some());
    }
}
