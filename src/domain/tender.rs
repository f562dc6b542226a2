//! The tender lifecycle: its states, the actions that move it, the deadline that ends
//! bidding, and what a tender needs before it can be published.

use chrono::{Datelike, NaiveDateTime};

use super::{Violation, text_enum};

text_enum! {
    /// Where a tender is in its lifecycle.
    TenderStatus {
        Draft = "draft",
        Published = "published",
        Evaluation = "evaluation",
        Awarded = "awarded",
        Unsuccessful = "unsuccessful",
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// How the buyer runs the procurement.
    Procedure {
        Open = "open",
        Restricted = "restricted",
        Negotiated = "negotiated",
        Framework = "framework",
    }
}

/// What a caller asks of a tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenderAction {
    /// Change its fields or lots.
    Edit,
    Delete,
    Publish,
    /// End bidding before the deadline, or conclude a tender without a valid bid.
    Close,
    Award,
    Cancel,
    /// Create, change, confirm, submit or withdraw a bid.
    Bid,
}

impl TenderAction {
    pub fn describe(self) -> &'static str {
        match self {
            TenderAction::Edit => "edited",
            TenderAction::Delete => "deleted",
            TenderAction::Publish => "published",
            TenderAction::Close => "closed",
            TenderAction::Award => "awarded",
            TenderAction::Cancel => "cancelled",
            TenderAction::Bid => "bid on",
        }
    }
}

impl TenderStatus {
    /// Awarded, unsuccessful and cancelled tenders never change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TenderStatus::Awarded | TenderStatus::Unsuccessful | TenderStatus::Cancelled
        )
    }

    /// Bids become visible to the buyer from evaluation on.
    pub fn unseals_bids(self) -> bool {
        matches!(
            self,
            TenderStatus::Evaluation | TenderStatus::Awarded | TenderStatus::Unsuccessful
        )
    }
}

/// The status as callers see it: a published tender whose deadline has passed is in
/// evaluation, whether or not anything has written that down yet.
pub fn effective_status(
    stored: TenderStatus,
    deadline: NaiveDateTime,
    now: NaiveDateTime,
) -> TenderStatus {
    if stored == TenderStatus::Published && now >= deadline {
        TenderStatus::Evaluation
    } else {
        stored
    }
}

/// The action is not allowed in the tender's (effective) status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub status: TenderStatus,
    pub action: TenderAction,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a tender in status `{}` cannot be {}",
            self.status,
            self.action.describe()
        )
    }
}

/// The status `action` leads to from the effective status `from`, or why it is refused.
///
/// `has_submitted_bids` decides where closing leads: to evaluation when there is
/// something to evaluate, to unsuccessful when there is not. Actions that do not move
/// the tender (edit, delete, bid) answer the status they require.
pub fn transition(
    from: TenderStatus,
    action: TenderAction,
    has_submitted_bids: bool,
) -> Result<TenderStatus, Refused> {
    use TenderAction as A;
    use TenderStatus as S;
    let to = match (from, action) {
        (S::Draft, A::Edit | A::Delete) => Some(S::Draft),
        (S::Draft, A::Publish) => Some(S::Published),
        (S::Published, A::Bid) => Some(S::Published),
        (S::Published, A::Close) if has_submitted_bids => Some(S::Evaluation),
        (S::Published | S::Evaluation, A::Close) if !has_submitted_bids => Some(S::Unsuccessful),
        (S::Evaluation, A::Award) => Some(S::Awarded),
        (status, A::Cancel) if !status.is_final() => Some(S::Cancelled),
        _ => None,
    };
    to.ok_or(Refused {
        status: from,
        action,
    })
}

/// Years a deadline may fall in: a date outside them is a typo or a probe, not a tender.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2199;

/// Whether `at` is a date a tender could mean.
pub fn is_plausible(at: NaiveDateTime) -> bool {
    PLAUSIBLE_YEARS.contains(&at.year())
}

/// What publishing needs: at least one lot, at least one required skill per lot, and a
/// deadline still ahead. `skills_per_lot` has one count per lot, in order.
pub fn publish_problems(
    skills_per_lot: &[usize],
    deadline: NaiveDateTime,
    now: NaiveDateTime,
) -> Vec<Violation> {
    let mut problems = Vec::new();
    if skills_per_lot.is_empty() {
        problems.push(Violation::at(
            "#/lots".to_owned(),
            "required",
            "a tender needs at least one lot to be published",
        ));
    }
    for (index, _) in skills_per_lot.iter().enumerate().filter(|(_, n)| **n == 0) {
        problems.push(Violation::at(
            format!("#/lots/{index}/required_skills"),
            "required",
            "each lot needs at least one required skill to be published",
        ));
    }
    if deadline <= now {
        problems.push(Violation::at(
            "#/submission_deadline".to_owned(),
            "past",
            "the submission deadline must be in the future to publish",
        ));
    }
    problems
}

/// A submitted bid, as an award sees it.
#[derive(Debug, Clone, Copy)]
pub struct SubmittedBid<'a> {
    pub id: &'a str,
    pub lot_id: &'a str,
}

/// One lot to award and the bid chosen for it.
#[derive(Debug, Clone, Copy)]
pub struct AwardChoice<'a> {
    pub lot_id: &'a str,
    pub bid_id: &'a str,
}

/// What an award needs: each choice names a lot of the tender, once, and a bid submitted
/// on that lot. One violation per bad choice, at its place in `awards`.
pub fn award_problems(
    lot_ids: &[&str],
    submitted: &[SubmittedBid],
    awards: &[AwardChoice],
) -> Vec<Violation> {
    let mut problems = Vec::new();
    for (index, choice) in awards.iter().enumerate() {
        let at = |field: &str| format!("#/awards/{index}/{field}");
        if !lot_ids.contains(&choice.lot_id) {
            problems.push(Violation::at(
                at("lot_id"),
                super::NOT_FOUND,
                "no such lot in this tender",
            ));
        } else if awards[..index]
            .iter()
            .any(|earlier| earlier.lot_id == choice.lot_id)
        {
            problems.push(Violation::at(
                at("lot_id"),
                "duplicate",
                "a lot is awarded to one bid",
            ));
        } else {
            match submitted.iter().find(|bid| bid.id == choice.bid_id) {
                Some(bid) if bid.lot_id == choice.lot_id => {}
                Some(_) => problems.push(Violation::at(
                    at("bid_id"),
                    "other_lot",
                    "this bid is on another lot",
                )),
                None => problems.push(Violation::at(
                    at("bid_id"),
                    "not_submitted",
                    "no submitted bid with this id on this tender",
                )),
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use TenderAction as A;
    use TenderStatus as S;

    const ACTIONS: [TenderAction; 7] = [
        A::Edit,
        A::Delete,
        A::Publish,
        A::Close,
        A::Award,
        A::Cancel,
        A::Bid,
    ];

    /// Every (status, action, submitted bids?) with its expected outcome; anything not
    /// listed must be refused.
    const ALLOWED: &[(TenderStatus, TenderAction, bool, TenderStatus)] = &[
        (S::Draft, A::Edit, false, S::Draft),
        (S::Draft, A::Edit, true, S::Draft),
        (S::Draft, A::Delete, false, S::Draft),
        (S::Draft, A::Delete, true, S::Draft),
        (S::Draft, A::Publish, false, S::Published),
        (S::Draft, A::Publish, true, S::Published),
        (S::Draft, A::Cancel, false, S::Cancelled),
        (S::Draft, A::Cancel, true, S::Cancelled),
        (S::Published, A::Bid, false, S::Published),
        (S::Published, A::Bid, true, S::Published),
        (S::Published, A::Close, true, S::Evaluation),
        (S::Published, A::Close, false, S::Unsuccessful),
        (S::Published, A::Cancel, false, S::Cancelled),
        (S::Published, A::Cancel, true, S::Cancelled),
        (S::Evaluation, A::Close, false, S::Unsuccessful),
        (S::Evaluation, A::Award, false, S::Awarded),
        (S::Evaluation, A::Award, true, S::Awarded),
        (S::Evaluation, A::Cancel, false, S::Cancelled),
        (S::Evaluation, A::Cancel, true, S::Cancelled),
    ];

    #[test]
    fn every_transition_is_allowed_or_refused_as_the_lifecycle_says() {
        for status in TenderStatus::ALL {
            for action in ACTIONS {
                for bids in [false, true] {
                    let expected = ALLOWED
                        .iter()
                        .find(|(s, a, b, _)| s == status && *a == action && *b == bids)
                        .map(|(.., to)| *to);
                    let outcome = transition(*status, action, bids);
                    match expected {
                        Some(to) => assert_eq!(outcome, Ok(to), "{status} {action:?} {bids}"),
                        None => assert_eq!(
                            outcome,
                            Err(Refused {
                                status: *status,
                                action
                            }),
                            "{status} {action:?} {bids}"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        for status in [S::Awarded, S::Unsuccessful, S::Cancelled] {
            assert!(status.is_final());
            for action in ACTIONS {
                assert!(transition(status, action, true).is_err());
            }
        }
    }

    fn at(hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn the_deadline_turns_a_published_tender_into_evaluation() {
        assert_eq!(effective_status(S::Published, at(12), at(11)), S::Published);
        assert_eq!(
            effective_status(S::Published, at(12), at(12)),
            S::Evaluation
        );
        assert_eq!(
            effective_status(S::Published, at(12), at(13)),
            S::Evaluation
        );
        for other in [S::Draft, S::Evaluation, S::Awarded, S::Cancelled] {
            assert_eq!(effective_status(other, at(12), at(13)), other);
        }
    }

    #[test]
    fn bids_are_sealed_until_evaluation() {
        assert!(!S::Draft.unseals_bids() && !S::Published.unseals_bids());
        assert!(S::Evaluation.unseals_bids() && S::Awarded.unseals_bids());
        assert!(!S::Cancelled.unseals_bids());
    }

    #[test]
    fn an_award_names_each_lot_once_with_a_bid_submitted_on_it() {
        let lots = ["l1", "l2"];
        let submitted = [
            SubmittedBid {
                id: "b1",
                lot_id: "l1",
            },
            SubmittedBid {
                id: "b2",
                lot_id: "l2",
            },
        ];
        let choice = |lot_id, bid_id| AwardChoice { lot_id, bid_id };
        assert!(
            award_problems(&lots, &submitted, &[choice("l1", "b1"), choice("l2", "b2")]).is_empty()
        );
        let problems = award_problems(
            &lots,
            &submitted,
            &[
                choice("l9", "b1"),
                choice("l1", "b2"),
                choice("l2", "b7"),
                choice("l1", "b1"),
            ],
        );
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.pointer.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("#/awards/0/lot_id", "not_found"),
                ("#/awards/1/bid_id", "other_lot"),
                ("#/awards/2/bid_id", "not_submitted"),
                ("#/awards/3/lot_id", "duplicate"),
            ]
        );
    }

    #[test]
    fn publishing_needs_lots_skills_and_a_future_deadline() {
        assert!(publish_problems(&[2, 1], at(12), at(11)).is_empty());
        let pointers =
            |problems: Vec<Violation>| problems.into_iter().map(|p| p.pointer).collect::<Vec<_>>();
        assert_eq!(
            pointers(publish_problems(&[], at(12), at(12))),
            ["#/lots", "#/submission_deadline"]
        );
        assert_eq!(
            pointers(publish_problems(&[1, 0, 3, 0], at(12), at(11))),
            ["#/lots/1/required_skills", "#/lots/3/required_skills"]
        );
    }
}
