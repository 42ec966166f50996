//! A small in-process rate limiter for guessable secrets (access codes,
//! passwords): at most `max` failures per client per window. It counts per
//! process; the per-account lock-out in the database covers several
//! processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub struct Limiter {
    max: u32,
    window_secs: i64,
    hits: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl Limiter {
    pub fn new(max: u32, window_secs: i64) -> Self {
        Self {
            max,
            window_secs,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait if `ip` is over its budget, else `None`.
    pub fn check(&self, ip: IpAddr, now: i64) -> Option<i64> {
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        match hits.get(&ip) {
            Some((start, n)) if *n >= self.max && now < start + self.window_secs => {
                Some(start + self.window_secs - now)
            }
            _ => None,
        }
    }

    /// Count one failure by `ip`.
    pub fn fail(&self, ip: IpAddr, now: i64) {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            let w = self.window_secs;
            hits.retain(|_, (start, _)| now < *start + w);
        }
        let e = hits.entry(ip).or_insert((now, 0));
        if now >= e.0 + self.window_secs {
            *e = (now, 0);
        }
        e.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_window_ends() {
        let l = Limiter::new(3, 60);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert_eq!(l.check(ip, 100), None);
            l.fail(ip, 100);
        }
        assert_eq!(l.check(ip, 110), Some(50));
        assert_eq!(l.check([10, 0, 0, 2].into(), 110), None);
        assert_eq!(l.check(ip, 160), None);
    }
}
