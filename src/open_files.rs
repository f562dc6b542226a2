//! The process's open-file limit: raised to its hard ceiling at start, and shared out into
//! a per-worker connection cap that can never run the process out of descriptors.

/// Connections per worker when none are configured, lowered to fit the open-file limit.
pub const DEFAULT_CONNECTIONS_PER_WORKER: usize = 10_000;

/// Descriptors kept for what is not a client connection besides the database pool:
/// listeners, the runtime's own (epoll, eventfd, signals), logs, and slack for the
/// connection being accepted while others close.
const RESERVED_DESCRIPTORS: u64 = 64;

/// Largest soft limit asked for when the hard limit is unlimited (Linux refuses a soft
/// limit above `fs.nr_open`, 1,048,576 by default).
const UNLIMITED_CEILING: u64 = 1 << 20;

/// The soft and hard open-file limits, as the kernel states them.
#[cfg(unix)]
fn current_limit() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct passed, which lives on this frame.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit)
}

/// Raises the soft open-file limit to the hard one and returns the limit in force
/// afterwards; `None` where the platform does not say.
#[cfg(unix)]
pub fn raise_limit() -> Option<u64> {
    let limit = current_limit()?;
    let ceiling = if limit.rlim_max == libc::RLIM_INFINITY {
        UNLIMITED_CEILING
    } else {
        limit.rlim_max
    };
    if limit.rlim_cur != libc::RLIM_INFINITY && limit.rlim_cur < ceiling {
        let raised = libc::rlimit {
            rlim_cur: ceiling,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct passed; a refusal leaves the limit as it was.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Some(ceiling);
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(not(unix))]
pub fn raise_limit() -> Option<u64> {
    None
}

/// Connections one worker may hold: the configured cap, lowered so that every worker
/// at its cap, the database pool and the reserve still fit in `open_file_limit`. At
/// least one connection per worker, so a misjudged limit slows the service rather than
/// stopping it.
pub fn connections_per_worker(
    configured: usize,
    open_file_limit: Option<u64>,
    workers: usize,
    db_pool_size: u32,
) -> usize {
    let Some(limit) = open_file_limit else {
        return configured;
    };
    let spare = limit.saturating_sub(RESERVED_DESCRIPTORS + u64::from(db_pool_size));
    let per_worker = spare / workers.max(1) as u64;
    configured.min(usize::try_from(per_worker).unwrap_or(usize::MAX).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_cap_stands_when_descriptors_suffice() {
        assert_eq!(connections_per_worker(1024, Some(65_536), 2, 8), 1024);
        assert_eq!(connections_per_worker(10_000, None, 2, 8), 10_000);
    }

    #[test]
    fn workers_at_their_cap_fit_beside_the_pool_and_the_reserve() {
        let cap = connections_per_worker(100_000, Some(20_000), 2, 8);
        assert_eq!(cap, (20_000 - 64 - 8) / 2);
        assert!(2 * cap as u64 + 64 + 8 <= 20_000);
    }

    #[test]
    fn a_tiny_limit_still_leaves_one_connection_per_worker() {
        assert_eq!(connections_per_worker(1024, Some(10), 4, 8), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_raised_limit_is_the_one_in_force() {
        let before = current_limit().expect("unix reports its limit");
        let raised = raise_limit().expect("unix reports its limit");
        assert!(raised >= before.rlim_cur);
        assert_eq!(current_limit().map(|limit| limit.rlim_cur), Some(raised));
    }
}
