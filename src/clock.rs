//! The source of "now" for every rule that depends on time, injectable in tests.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Now as stored in `Timestamp` columns: UTC by convention, and microseconds, the
    /// precision both backends keep, so a resource reads back exactly as it was answered.
    fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc().trunc_subsecs(6)
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
