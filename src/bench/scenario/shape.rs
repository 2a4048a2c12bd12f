//! The load's shape: `--clients N` users at once (each runs the scenario again and again), or
//! users arriving at `--arrival-rate R` per second, ramped linearly to `--ramp-to R2` over
//! `--ramp-duration` (then held), each running the scenario once.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A closed model: this many users at once, each passing over the scenario until the end.
    Users { clients: u32 },
    /// An open model: new users per second, each passing once.
    Arrivals {
        arrival_rate: f64,
        ramp_to: f64,
        ramp_secs: f64,
    },
}

impl Shape {
    /// The time of the `k`-th arrival (from 0) after the start, for an open model: the `t` at
    /// which the arrivals so far, the integral of the rate, reach `k`. `None` when the rate
    /// never gets there.
    pub fn arrival(&self, k: u64) -> Option<Duration> {
        let Shape::Arrivals {
            arrival_rate: r0,
            ramp_to: r1,
            ramp_secs: d,
        } = *self
        else {
            return None;
        };
        let k = k as f64;
        // During the ramp, arrivals(t) = r0·t + (r1 - r0)·t² / 2d.
        let in_ramp = (r0 + r1) * d / 2.0;
        let t = if d > 0.0 && k < in_ramp {
            let a = (r1 - r0) / (2.0 * d);
            if a.abs() < 1e-12 {
                k / r0
            } else {
                (-r0 + (r0 * r0 + 4.0 * a * k).sqrt()) / (2.0 * a)
            }
        } else if r1 > 0.0 {
            d + (k - in_ramp) / r1
        } else {
            return None;
        };
        (t.is_finite() && t >= 0.0).then(|| Duration::from_secs_f64(t))
    }

    pub fn describe(&self) -> String {
        match *self {
            Shape::Users { clients } => format!("{clients} users"),
            Shape::Arrivals {
                arrival_rate,
                ramp_to,
                ramp_secs,
            } if ramp_to != arrival_rate => {
                format!("arrivals {arrival_rate}/s ramped to {ramp_to}/s over {ramp_secs} s")
            }
            Shape::Arrivals { arrival_rate, .. } => format!("arrivals {arrival_rate}/s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrivals_within(shape: &Shape, window: Duration) -> u64 {
        (0..1_000_000)
            .take_while(|&k| shape.arrival(k).is_some_and(|t| t < window))
            .count() as u64
    }

    #[test]
    fn a_constant_rate_arrives_evenly() {
        let shape = Shape::Arrivals {
            arrival_rate: 10.0,
            ramp_to: 10.0,
            ramp_secs: 0.0,
        };
        assert_eq!(shape.arrival(0), Some(Duration::ZERO));
        assert_eq!(shape.arrival(5), Some(Duration::from_millis(500)));
        assert_eq!(arrivals_within(&shape, Duration::from_secs(1)), 10);
    }

    #[test]
    fn a_ramp_arrives_as_its_integral() {
        // 0 → 10/s over 10 s: 50 users, then 10/s.
        let shape = Shape::Arrivals {
            arrival_rate: 0.0,
            ramp_to: 10.0,
            ramp_secs: 10.0,
        };
        assert_eq!(arrivals_within(&shape, Duration::from_secs(10)), 50);
        assert_eq!(arrivals_within(&shape, Duration::from_secs(12)), 70);
        // Down: 20 → 0 over 2 s: 20 users, and none after.
        let down = Shape::Arrivals {
            arrival_rate: 20.0,
            ramp_to: 0.0,
            ramp_secs: 2.0,
        };
        assert_eq!(arrivals_within(&down, Duration::from_secs(60)), 20);
        let times: Vec<_> = (0..20).map(|k| down.arrival(k).unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Shape::Users { clients: 3 }.arrival(0), None);
    }
}
