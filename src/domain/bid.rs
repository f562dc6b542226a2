//! Consortium bids: their states, the members' shares, and who must agree before a bid
//! can be submitted.

use super::money::WHOLE_BPS;
use super::{Violation, text_enum};

text_enum! {
    /// Where a bid is: live while `draft` or `submitted`.
    BidStatus {
        Draft = "draft",
        Submitted = "submitted",
        Awarded = "awarded",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// A member's answer to the lead's invitation; the lead is confirmed from the start.
    MemberResponse {
        Pending = "pending",
        Confirmed = "confirmed",
        Declined = "declined",
    }
}

impl BidStatus {
    /// A live bid holds its lead's one place on the lot.
    pub fn is_live(self) -> bool {
        matches!(self, BidStatus::Draft | BidStatus::Submitted)
    }
}

/// What a caller asks of a bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidAction {
    /// The lead changes price, summary or members.
    Edit,
    /// A member other than the lead answers.
    Respond,
    Submit,
    Withdraw,
}

/// The status `action` leads to from `from`, or `None` when the bid's status refuses it.
pub fn transition(from: BidStatus, action: BidAction) -> Option<BidStatus> {
    match (from, action) {
        (BidStatus::Draft, BidAction::Edit | BidAction::Respond) => Some(BidStatus::Draft),
        (BidStatus::Draft, BidAction::Submit) => Some(BidStatus::Submitted),
        (BidStatus::Draft | BidStatus::Submitted, BidAction::Withdraw) => {
            Some(BidStatus::Withdrawn)
        }
        _ => None,
    }
}

/// A member of a proposed consortium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub partner_id: String,
    pub share_bps: i32,
}

/// Members must include the lead, name each partner once, and split exactly 10000 basis
/// points, each share between 1 and 10000.
pub fn share_problems(lead_partner_id: &str, members: &[Share]) -> Vec<Violation> {
    let mut problems = Vec::new();
    for (index, member) in members.iter().enumerate() {
        if !(1..=WHOLE_BPS).contains(&member.share_bps) {
            problems.push(Violation::at(
                format!("#/members/{index}/share_bps"),
                "range",
                "must be between 1 and 10000 basis points",
            ));
        }
        if members[..index]
            .iter()
            .any(|earlier| earlier.partner_id == member.partner_id)
        {
            problems.push(Violation::at(
                format!("#/members/{index}/partner_id"),
                "duplicate",
                "each partner may appear once",
            ));
        }
    }
    if !members.iter().any(|m| m.partner_id == lead_partner_id) {
        problems.push(Violation::at(
            "#/members".to_owned(),
            "lead_missing",
            "the lead partner must be a member with its share",
        ));
    } else if members.iter().map(|m| i64::from(m.share_bps)).sum::<i64>() != i64::from(WHOLE_BPS) {
        problems.push(Violation::at(
            "#/members".to_owned(),
            "sum",
            "shares must add up to exactly 10000 basis points",
        ));
    }
    problems
}

/// A bid can be submitted once every member has confirmed.
pub fn all_confirmed(responses: &[MemberResponse]) -> bool {
    responses.iter().all(|r| *r == MemberResponse::Confirmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(partner: &str, bps: i32) -> Share {
        Share {
            partner_id: partner.to_owned(),
            share_bps: bps,
        }
    }

    fn codes(problems: Vec<Violation>) -> Vec<(String, &'static str)> {
        problems.into_iter().map(|p| (p.pointer, p.code)).collect()
    }

    #[test]
    fn a_lead_alone_or_a_consortium_splitting_everything_is_fine() {
        assert!(share_problems("a", &[share("a", 10_000)]).is_empty());
        assert!(share_problems("a", &[share("b", 4_000), share("a", 6_000)]).is_empty());
    }

    #[test]
    fn shares_must_add_up_to_the_whole() {
        assert_eq!(
            codes(share_problems("a", &[share("a", 6_000), share("b", 3_999)])),
            [("#/members".to_owned(), "sum")]
        );
        assert_eq!(
            codes(share_problems("a", &[share("a", 6_000), share("b", 4_001)])),
            [("#/members".to_owned(), "sum")]
        );
    }

    #[test]
    fn each_share_is_positive_and_partners_appear_once() {
        assert_eq!(
            codes(share_problems(
                "a",
                &[share("a", 10_000), share("b", 0), share("a", -5)]
            )),
            [
                ("#/members/1/share_bps".to_owned(), "range"),
                ("#/members/2/share_bps".to_owned(), "range"),
                ("#/members/2/partner_id".to_owned(), "duplicate"),
                ("#/members".to_owned(), "sum"),
            ]
        );
    }

    #[test]
    fn the_lead_is_a_member() {
        assert_eq!(
            codes(share_problems("a", &[share("b", 10_000)])),
            [("#/members".to_owned(), "lead_missing")]
        );
    }

    #[test]
    fn submission_waits_for_every_member() {
        use MemberResponse::*;
        assert!(all_confirmed(&[Confirmed, Confirmed]));
        assert!(!all_confirmed(&[Confirmed, Pending]));
        assert!(!all_confirmed(&[Confirmed, Declined]));
    }

    #[test]
    fn bid_transitions() {
        use BidAction::*;
        use BidStatus::*;
        let allowed = [
            (Draft, Edit, Draft),
            (Draft, Respond, Draft),
            (Draft, Submit, Submitted),
            (Draft, Withdraw, Withdrawn),
            (Submitted, Withdraw, Withdrawn),
        ];
        for status in BidStatus::ALL {
            for action in [Edit, Respond, Submit, Withdraw] {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| s == status && *a == action)
                    .map(|(.., to)| *to);
                assert_eq!(transition(*status, action), expected, "{status} {action:?}");
            }
        }
        assert!(Draft.is_live() && Submitted.is_live());
        assert!(!Awarded.is_live() && !Rejected.is_live() && !Withdrawn.is_live());
    }
}
