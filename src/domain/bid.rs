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

    /// Each problem as "pointer code".
    fn codes(problems: Vec<Violation>) -> Vec<String> {
        problems
            .into_iter()
            .map(|p| format!("{} {}", p.pointer, p.code))
            .collect::<Vec<_>>()
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
            ["#/members sum"]
        );
        assert_eq!(
            codes(share_problems("a", &[share("a", 6_000), share("b", 4_001)])),
            ["#/members sum"]
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
                "#/members/1/share_bps range",
                "#/members/2/share_bps range",
                "#/members/2/partner_id duplicate",
                "#/members sum",
            ]
        );
    }

    #[test]
    fn the_lead_is_a_member() {
        assert_eq!(
            codes(share_problems("a", &[share("b", 10_000)])),
            ["#/members lead_missing"]
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

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Shares of 1 to 20 distinct partners (`p0` first, the lead) that split the
        /// whole: cut points drawn in 1..10000, each share at least one basis point.
        fn whole_split() -> impl Strategy<Value = Vec<Share>> {
            (1usize..=20).prop_flat_map(|n| {
                proptest::sample::subsequence((1..WHOLE_BPS).collect::<Vec<i32>>(), n - 1).prop_map(
                    |mut cuts| {
                        cuts.sort_unstable();
                        let bounds: Vec<i32> = std::iter::once(0)
                            .chain(cuts)
                            .chain(std::iter::once(WHOLE_BPS))
                            .collect();
                        bounds
                            .windows(2)
                            .enumerate()
                            .map(|(i, w)| Share {
                                partner_id: format!("p{i}"),
                                share_bps: w[1] - w[0],
                            })
                            .collect()
                    },
                )
            })
        }

        proptest! {
            #[test]
            fn a_whole_split_among_distinct_partners_with_the_lead_is_valid(shares in whole_split()) {
                prop_assert!(share_problems("p0", &shares).is_empty());
            }

            #[test]
            fn any_other_total_is_refused_once_at_the_members(
                mut shares in whole_split(),
                delta in prop_oneof![-9_999i32..=-1, 1i32..=9_999],
            ) {
                let last = shares.len() - 1;
                shares[last].share_bps += delta;
                let problems = share_problems("p0", &shares);
                let sums = problems.iter().filter(|p| p.code == "sum").count();
                prop_assert_eq!(sums, 1);
                prop_assert!(problems.iter().all(|p| p.code == "sum" || p.code == "range"));
            }

            #[test]
            fn a_repeated_partner_is_named_where_it_repeats(
                shares in whole_split().prop_filter("two members at least", |s| s.len() > 1),
                pick in any::<proptest::sample::Index>(),
            ) {
                let mut shares = shares;
                let repeated = 1 + pick.index(shares.len() - 1);
                shares[repeated].partner_id = shares[0].partner_id.clone();
                let problems = share_problems("p0", &shares);
                let pointer = format!("#/members/{repeated}/partner_id");
                prop_assert!(problems.iter().any(|p| p.pointer == pointer && p.code == "duplicate"));
            }

            #[test]
            fn without_the_lead_nothing_else_is_said_about_the_total(shares in whole_split()) {
                let problems = share_problems("lead", &shares);
                prop_assert_eq!(problems.len(), 1);
                prop_assert_eq!(problems[0].code.as_str(), "lead_missing");
            }
        }
    }
}
