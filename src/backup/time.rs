//! Backup timestamps without a calendar dependency. GPMC writes
//! `BackupTime` as local time `yyyy-MM-ddTHH:mm:ss`; gpforge writes UTC in
//! the same form (a build machine's zone says nothing about the domain's).

use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, UTC, to the 100-nanosecond tick gpreport.xml shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// 100 ns ticks within the second (0..10_000_000).
    pub ticks: u32,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp::from_system(SystemTime::now())
    }

    /// The time `t` (a time before 1970 counts as 1970-01-01T00:00:00Z).
    pub fn from_system(t: SystemTime) -> Timestamp {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp {
            secs: d.as_secs() as i64,
            ticks: d.subsec_nanos() / 100,
        }
    }

    /// Parses `yyyy-MM-ddTHH:mm:ss` (optionally with `.fffffff` and/or `Z`).
    pub fn parse(s: &str) -> Option<Timestamp> {
        let s = s.trim().trim_end_matches('Z');
        let (main, frac) = match s.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let (date, time) = main.split_once('T')?;
        let dp: Vec<&str> = date.split('-').collect();
        let tp: Vec<&str> = time.split(':').collect();
        if dp.len() != 3
            || tp.len() != 3
            || dp[0].len() != 4
            || dp[1..].iter().chain(tp.iter()).any(|p| p.len() != 2)
        {
            return None;
        }
        let (y, mo, d): (i64, u32, u32) = (
            dp[0].parse().ok()?,
            dp[1].parse().ok()?,
            dp[2].parse().ok()?,
        );
        let (h, mi, se): (i64, i64, i64) = (
            tp[0].parse().ok()?,
            tp[1].parse().ok()?,
            tp[2].parse().ok()?,
        );
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
            return None;
        }
        let ticks = match frac {
            Some(f) if !f.is_empty() && f.len() <= 7 && f.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{f:0<7}").parse().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        Some(Timestamp {
            secs: days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se,
            ticks,
        })
    }

    /// `yyyy-MM-ddTHH:mm:ss` (bkupInfo.xml `BackupTime`, gpreport.xml `CreatedTime`).
    pub fn to_backup_time(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// `yyyy-MM-ddTHH:mm:ss.fffffffZ` (gpreport.xml `ReadTime`).
    pub fn to_read_time(self) -> String {
        format!("{}.{:07}Z", self.to_backup_time(), self.ticks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_formats() {
        let t = Timestamp::parse("2016-11-01T12:19:20").unwrap();
        assert_eq!(t.to_backup_time(), "2016-11-01T12:19:20");
        assert_eq!(
            Timestamp::parse("2022-06-25T14:55:58.7306863Z")
                .unwrap()
                .to_read_time(),
            "2022-06-25T14:55:58.7306863Z"
        );
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00").unwrap().secs, 0);
        assert_eq!(
            Timestamp::parse("2000-03-01T00:00:00")
                .unwrap()
                .to_backup_time(),
            "2000-03-01T00:00:00"
        );
        assert!(Timestamp::parse("2016-13-01T00:00:00").is_none());
        assert!(Timestamp::parse("yesterday").is_none());
    }
}
