//! The source of "now" for every rule that depends on time, injectable in tests.

use chrono::{DateTime, NaiveDateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Now as stored in `Timestamp` columns (UTC by convention).
    fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
