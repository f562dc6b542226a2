//! Who may do what (DESIGN §4): roles, the principal a request acts as, and the access
//! policy as pure functions over (principal, resource). Services ask; nothing else decides.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bid::BidStatus;
use super::directory::PartnerStatus;
use super::ledger::AccountKind;
use super::tender::TenderStatus;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Partner,
    Buyer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Partner => "partner",
            Role::Buyer => "buyer",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "partner" => Some(Role::Partner),
            "buyer" => Some(Role::Buyer),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ApiClient,
}

/// Who a request acts as, as the database says now (not as the token said then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub expires_at: i64,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this principal acts for the partner `partner_id`.
    pub fn is_partner(&self, partner_id: &str) -> bool {
        self.role == Role::Partner && self.partner_id.as_deref() == Some(partner_id)
    }

    /// Whether this principal acts for the buyer `buyer_id`.
    pub fn is_buyer(&self, buyer_id: &str) -> bool {
        self.role == Role::Buyer && self.buyer_id.as_deref() == Some(buyer_id)
    }

    /// The key that scopes this principal's idempotency keys.
    pub fn scope(&self) -> String {
        let kind = match self.kind {
            PrincipalKind::User => "user",
            PrincipalKind::ApiClient => "api_client",
        };
        format!("{kind}:{}", self.id)
    }
}

/// Why the policy says no. `Hidden` answers as if the resource did not exist (another
/// organisation's private resource is a 404, never a 403, so nothing leaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Forbidden(&'static str),
    Hidden,
}

pub type Decision = Result<(), Refusal>;

fn allow_if(allowed: bool, refusal: Refusal) -> Decision {
    if allowed { Ok(()) } else { Err(refusal) }
}

/// Users, API clients, verification and the catalogue's writes are the admins'.
pub fn admin_only(principal: &Principal) -> Decision {
    allow_if(
        principal.is_admin(),
        Refusal::Forbidden("this operation needs the admin role"),
    )
}

/// Active partners are public; others only to admins and to themselves.
pub fn can_read_partner(
    caller: Option<&Principal>,
    partner_id: &str,
    status: PartnerStatus,
) -> Decision {
    allow_if(
        status == PartnerStatus::Active
            || caller.is_some_and(|p| p.is_admin() || p.is_partner(partner_id)),
        Refusal::Hidden,
    )
}

/// Admins write any partner (and its skills), a partner principal its own.
pub fn can_write_partner(principal: &Principal, partner_id: &str) -> Decision {
    allow_if(
        principal.is_admin() || principal.is_partner(partner_id),
        Refusal::Forbidden("only the partner itself or an admin may change this partner"),
    )
}

/// A buyer is read by admins and by itself; to anyone else it does not exist.
pub fn can_read_buyer(principal: &Principal, buyer_id: &str) -> Decision {
    allow_if(
        principal.is_admin() || principal.is_buyer(buyer_id),
        Refusal::Hidden,
    )
}

/// The tender's buyer and admins manage it.
fn manages_tender(caller: Option<&Principal>, buyer_id: &str) -> bool {
    caller.is_some_and(|p| p.is_admin() || p.is_buyer(buyer_id))
}

/// A tender once published is public; a draft exists only for its buyer and admins.
pub fn can_read_tender(caller: Option<&Principal>, buyer_id: &str, published: bool) -> Decision {
    allow_if(
        published || manages_tender(caller, buyer_id),
        Refusal::Hidden,
    )
}

/// Only its buyer and admins change a tender others can read.
pub fn can_manage_tender(principal: &Principal, buyer_id: &str) -> Decision {
    allow_if(
        manages_tender(Some(principal), buyer_id),
        Refusal::Forbidden("only the tender's buyer or an admin may do this"),
    )
}

/// A lot's ranked matches: the tender's buyer and admins; partners once the tender is
/// published, to see where they stand and whom to team up with.
pub fn can_see_matches(principal: &Principal, buyer_id: &str, published: bool) -> Decision {
    allow_if(
        manages_tender(Some(principal), buyer_id) || (published && principal.role == Role::Partner),
        Refusal::Forbidden(
            "only the tender's buyer, an admin, or a partner once the tender is published \
             may see its matches",
        ),
    )
}

/// Which of a tender's bids a caller may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BidView {
    All,
    /// The buyer, from evaluation on: what was submitted and what became of it.
    Submitted,
    /// A partner: the bids it is a member of.
    MemberOf(String),
}

/// Why the buyer may not list bids yet: they are sealed until evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidListRefusal {
    Refused(Refusal),
    Sealed(TenderStatus),
}

/// What `principal` sees of the bids of a tender it can read.
pub fn bid_view(
    principal: &Principal,
    tender_buyer_id: &str,
    tender_status: TenderStatus,
) -> Result<BidView, BidListRefusal> {
    match (principal.role, &principal.partner_id) {
        (Role::Admin, _) => Ok(BidView::All),
        (Role::Partner, Some(partner_id)) => Ok(BidView::MemberOf(partner_id.clone())),
        (Role::Buyer, _) if principal.is_buyer(tender_buyer_id) => {
            if tender_status.unseals_bids() {
                Ok(BidView::Submitted)
            } else {
                Err(BidListRefusal::Sealed(tender_status))
            }
        }
        _ => Err(BidListRefusal::Refused(Refusal::Forbidden(
            "only the tender's buyer, bidders and admins see its bids",
        ))),
    }
}

/// What the policy needs to know of a bid.
#[derive(Debug, Clone, Copy)]
pub struct BidFacts<'a> {
    pub lead_partner_id: &'a str,
    pub member_ids: &'a [&'a str],
    pub status: BidStatus,
    pub tender_buyer_id: &'a str,
    pub tender_status: TenderStatus,
}

impl BidFacts<'_> {
    fn has_member(&self, principal: &Principal) -> bool {
        self.member_ids.iter().any(|id| principal.is_partner(id))
    }
}

/// A bid is seen by its members and admins, and by the tender's buyer once bids are
/// unsealed and only if it was submitted; anyone else: it does not exist.
pub fn can_read_bid(principal: &Principal, bid: &BidFacts) -> Decision {
    allow_if(
        principal.is_admin()
            || bid.has_member(principal)
            || (principal.is_buyer(bid.tender_buyer_id)
                && bid.tender_status.unseals_bids()
                && !matches!(bid.status, BidStatus::Draft | BidStatus::Withdrawn)),
        Refusal::Hidden,
    )
}

/// Who acts on a bid: its lead (edit, submit, withdraw) or another member (answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidRole {
    Lead,
    Member,
}

pub fn can_act_on_bid(principal: &Principal, bid: &BidFacts, role: BidRole) -> Decision {
    match role {
        BidRole::Lead => allow_if(
            principal.is_admin() || principal.is_partner(bid.lead_partner_id),
            Refusal::Forbidden("only the bid's lead partner may do this"),
        ),
        BidRole::Member => allow_if(
            bid.has_member(principal) && !principal.is_partner(bid.lead_partner_id),
            Refusal::Forbidden("only a member other than the lead may answer"),
        ),
    }
}

/// Who leads a new bid: a partner leads its own; an admin names the lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadChoice {
    Lead(String),
    /// The body names a lead this principal may not choose (`not_allowed`) or names
    /// none where one is needed (`required`).
    Invalid {
        code: &'static str,
        detail: &'static str,
    },
}

pub fn bid_lead(principal: &Principal, requested: Option<&str>) -> Result<LeadChoice, Refusal> {
    match (principal.role, principal.partner_id.as_deref(), requested) {
        (Role::Partner, Some(own), None) => Ok(LeadChoice::Lead(own.to_owned())),
        (Role::Partner, Some(own), Some(lead)) if lead == own => {
            Ok(LeadChoice::Lead(own.to_owned()))
        }
        (Role::Partner, _, Some(_)) => Ok(LeadChoice::Invalid {
            code: "not_allowed",
            detail: "a partner leads its own bids only",
        }),
        (Role::Admin, _, Some(lead)) => Ok(LeadChoice::Lead(lead.to_owned())),
        (Role::Admin, _, None) => Ok(LeadChoice::Invalid {
            code: "required",
            detail: "an admin names the lead partner",
        }),
        _ => Err(Refusal::Forbidden("only partners (and admins) create bids")),
    }
}

/// Which contracts a principal reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractView {
    All,
    Buyer(String),
    Member(String),
}

pub fn contract_view(principal: &Principal) -> Result<ContractView, Refusal> {
    match (principal.role, &principal.buyer_id, &principal.partner_id) {
        (Role::Admin, ..) => Ok(ContractView::All),
        (Role::Buyer, Some(buyer_id), _) => Ok(ContractView::Buyer(buyer_id.clone())),
        (Role::Partner, _, Some(partner_id)) => Ok(ContractView::Member(partner_id.clone())),
        _ => Err(Refusal::Forbidden(
            "this principal acts for no organisation",
        )),
    }
}

impl ContractView {
    /// Whether a contract of `buyer_id` with these members is in view.
    pub fn shows(&self, buyer_id: &str, member_ids: &[&str]) -> bool {
        match self {
            ContractView::All => true,
            ContractView::Buyer(own) => own == buyer_id,
            ContractView::Member(own) => member_ids.contains(&own.as_str()),
        }
    }

    /// Whether a ledger account of this kind and owner is in view: admins see every
    /// account, a partner its payable, a buyer its receivable.
    pub fn shows_account(&self, kind: AccountKind, owner_id: Option<&str>) -> bool {
        match self {
            ContractView::All => true,
            ContractView::Buyer(own) => {
                kind == AccountKind::BuyerReceivable && owner_id == Some(own.as_str())
            }
            ContractView::Member(own) => {
                kind == AccountKind::PartnerPayable && owner_id == Some(own.as_str())
            }
        }
    }
}

/// Payments on a contract are recorded by its buyer or an admin. Its members read the
/// contract but may not record payments (403); to anyone else it does not exist.
pub fn can_record_payment(principal: &Principal, buyer_id: &str, member_ids: &[&str]) -> Decision {
    let view = contract_view(principal)?;
    if !view.shows(buyer_id, member_ids) {
        return Err(Refusal::Hidden);
    }
    allow_if(
        principal.is_admin() || principal.is_buyer(buyer_id),
        Refusal::Forbidden("only the contract's buyer or an admin records payments"),
    )
}

/// Shortest password accepted for a user.
pub const MIN_PASSWORD_CHARS: u64 = 12;

/// Why a role and its organisation ids do not fit together; names the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingError {
    pub field: &'static str,
    pub code: &'static str,
    pub detail: &'static str,
}

/// Whether a principal of `role` acts for a partner.
pub fn takes_partner(role: Role) -> bool {
    role == Role::Partner
}

/// Whether a principal of `role` acts for a buyer.
pub fn takes_buyer(role: Role) -> bool {
    role == Role::Buyer
}

/// A partner principal acts for exactly one partner, a buyer for one buyer, an admin
/// for none.
pub fn check_binding(
    role: Role,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> Result<(), BindingError> {
    let required = |field| BindingError {
        field,
        code: "required",
        detail: "required for this role",
    };
    let forbidden = |field| BindingError {
        field,
        code: "not_allowed",
        detail: "not allowed for this role",
    };
    match role {
        Role::Admin if partner_id.is_some() => Err(forbidden("partner_id")),
        Role::Admin if buyer_id.is_some() => Err(forbidden("buyer_id")),
        Role::Partner if partner_id.is_none() => Err(required("partner_id")),
        Role::Partner if buyer_id.is_some() => Err(forbidden("buyer_id")),
        Role::Buyer if buyer_id.is_none() => Err(required("buyer_id")),
        Role::Buyer if partner_id.is_some() => Err(forbidden("partner_id")),
        _ => Ok(()),
    }
}

/// The partner statuses a directory search shows `caller`: every status to admins,
/// active partners to anyone else (even a partner's own private profile is not listed).
pub fn listed_partner_statuses(caller: Option<&Principal>) -> &'static [PartnerStatus] {
    if caller.is_some_and(Principal::is_admin) {
        PartnerStatus::ALL
    } else {
        &[PartnerStatus::Active]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, org: Option<&str>) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: format!("{}-user", role.as_str()),
            role,
            partner_id: (role == Role::Partner).then(|| org.unwrap_or("p1").to_owned()),
            buyer_id: (role == Role::Buyer).then(|| org.unwrap_or("b1").to_owned()),
            expires_at: 0,
        }
    }

    /// The callers of every matrix below: anonymous, admin, partner p1 (own), partner
    /// p2 (other), buyer b1 (own), buyer b2 (other).
    fn callers() -> Vec<(&'static str, Option<Principal>)> {
        vec![
            ("anonymous", None),
            ("admin", Some(principal(Role::Admin, None))),
            ("own partner", Some(principal(Role::Partner, Some("p1")))),
            ("other partner", Some(principal(Role::Partner, Some("p2")))),
            ("own buyer", Some(principal(Role::Buyer, Some("b1")))),
            ("other buyer", Some(principal(Role::Buyer, Some("b2")))),
        ]
    }

    const OK: &str = "ok";
    const HIDDEN: &str = "404";
    const FORBIDDEN: &str = "403";

    fn outcome(decision: Decision) -> &'static str {
        match decision {
            Ok(()) => OK,
            Err(Refusal::Hidden) => HIDDEN,
            Err(Refusal::Forbidden(_)) => FORBIDDEN,
        }
    }

    /// Runs `check` for each caller (anonymous callers get `anonymous` when the check
    /// needs a principal) and compares with the expected row.
    fn assert_matrix(
        what: &str,
        expected: [&str; 6],
        anonymous: &str,
        check: impl Fn(&Principal) -> Decision,
    ) {
        for ((name, caller), expected) in callers().into_iter().zip(expected) {
            let got = caller.as_ref().map_or(anonymous, |p| outcome(check(p)));
            assert_eq!(got, expected, "{what}: {name}");
        }
    }

    const UNAUTHENTICATED: &str = "401";

    #[test]
    fn the_access_matrix_of_design_section_4() {
        // Columns: anonymous, admin, own partner, other partner, own buyer, other buyer.
        assert_matrix(
            "admin only",
            ["401", OK, "403", "403", "403", "403"],
            UNAUTHENTICATED,
            admin_only,
        );
        for caller in callers() {
            let caller = caller.1;
            assert_eq!(
                can_read_partner(caller.as_ref(), "p1", PartnerStatus::Active),
                Ok(()),
                "active partners are public"
            );
        }
        let pending: Vec<&str> = callers()
            .iter()
            .map(|(_, c)| outcome(can_read_partner(c.as_ref(), "p1", PartnerStatus::Pending)))
            .collect();
        assert_eq!(
            pending,
            [HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN],
            "pending partner"
        );
        let listed: Vec<usize> = callers()
            .iter()
            .map(|(_, c)| listed_partner_statuses(c.as_ref()).len())
            .collect();
        assert_eq!(listed, [1, 3, 1, 1, 1, 1], "partner statuses listed");
        assert_matrix(
            "write partner p1",
            ["401", OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
            UNAUTHENTICATED,
            |p| can_write_partner(p, "p1"),
        );
        assert_matrix(
            "read buyer b1",
            ["401", OK, HIDDEN, HIDDEN, OK, HIDDEN],
            UNAUTHENTICATED,
            |p| can_read_buyer(p, "b1"),
        );
        let draft: Vec<&str> = callers()
            .iter()
            .map(|(_, c)| outcome(can_read_tender(c.as_ref(), "b1", false)))
            .collect();
        assert_eq!(
            draft,
            [HIDDEN, OK, HIDDEN, HIDDEN, OK, HIDDEN],
            "draft tender"
        );
        let published: Vec<&str> = callers()
            .iter()
            .map(|(_, c)| outcome(can_read_tender(c.as_ref(), "b1", true)))
            .collect();
        assert_eq!(published, [OK; 6], "published tender");
        assert_matrix(
            "manage tender of b1",
            ["401", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
            UNAUTHENTICATED,
            |p| can_manage_tender(p, "b1"),
        );
    }

    fn bid(status: BidStatus, tender_status: TenderStatus) -> BidFacts<'static> {
        BidFacts {
            lead_partner_id: "p1",
            member_ids: &["p1", "p3"],
            status,
            tender_buyer_id: "b1",
            tender_status,
        }
    }

    #[test]
    fn bids_are_sealed_from_the_buyer_until_evaluation() {
        let member = principal(Role::Partner, Some("p3"));
        let rows = [
            (
                bid(BidStatus::Draft, TenderStatus::Published),
                [OK, OK, HIDDEN, HIDDEN, HIDDEN],
            ),
            (
                bid(BidStatus::Submitted, TenderStatus::Published),
                [OK, OK, HIDDEN, HIDDEN, HIDDEN],
            ),
            (
                bid(BidStatus::Submitted, TenderStatus::Evaluation),
                [OK, OK, HIDDEN, OK, HIDDEN],
            ),
            (
                bid(BidStatus::Withdrawn, TenderStatus::Evaluation),
                [OK, OK, HIDDEN, HIDDEN, HIDDEN],
            ),
            (
                bid(BidStatus::Awarded, TenderStatus::Awarded),
                [OK, OK, HIDDEN, OK, HIDDEN],
            ),
        ];
        for (facts, expected) in rows {
            let seen: Vec<&str> = callers()
                .into_iter()
                .skip(1)
                .map(|(_, p)| outcome(can_read_bid(&p.expect("caller"), &facts)))
                .collect();
            assert_eq!(
                seen, expected,
                "{:?} on a {:?} tender",
                facts.status, facts.tender_status
            );
            assert_eq!(
                outcome(can_read_bid(&member, &facts)),
                OK,
                "members always see"
            );
        }
        let lead = principal(Role::Partner, Some("p1"));
        let facts = bid(BidStatus::Draft, TenderStatus::Published);
        assert_eq!(outcome(can_act_on_bid(&lead, &facts, BidRole::Lead)), OK);
        assert_eq!(
            outcome(can_act_on_bid(&member, &facts, BidRole::Lead)),
            FORBIDDEN
        );
        assert_eq!(
            outcome(can_act_on_bid(&member, &facts, BidRole::Member)),
            OK
        );
        assert_eq!(
            outcome(can_act_on_bid(&lead, &facts, BidRole::Member)),
            FORBIDDEN
        );
        let admin = principal(Role::Admin, None);
        assert_eq!(outcome(can_act_on_bid(&admin, &facts, BidRole::Lead)), OK);
        assert_eq!(
            outcome(can_act_on_bid(&admin, &facts, BidRole::Member)),
            FORBIDDEN
        );
    }

    #[test]
    fn who_lists_a_tenders_bids() {
        let buyer = principal(Role::Buyer, Some("b1"));
        assert_eq!(
            bid_view(&buyer, "b1", TenderStatus::Published),
            Err(BidListRefusal::Sealed(TenderStatus::Published))
        );
        assert_eq!(
            bid_view(&buyer, "b1", TenderStatus::Evaluation),
            Ok(BidView::Submitted)
        );
        assert!(matches!(
            bid_view(
                &principal(Role::Buyer, Some("b2")),
                "b1",
                TenderStatus::Evaluation
            ),
            Err(BidListRefusal::Refused(Refusal::Forbidden(_)))
        ));
        assert_eq!(
            bid_view(
                &principal(Role::Partner, Some("p2")),
                "b1",
                TenderStatus::Published
            ),
            Ok(BidView::MemberOf("p2".to_owned()))
        );
        assert_eq!(
            bid_view(&principal(Role::Admin, None), "b1", TenderStatus::Draft),
            Ok(BidView::All)
        );
    }

    #[test]
    fn who_leads_a_new_bid() {
        let partner = principal(Role::Partner, Some("p1"));
        let admin = principal(Role::Admin, None);
        assert_eq!(
            bid_lead(&partner, None),
            Ok(LeadChoice::Lead("p1".to_owned()))
        );
        assert_eq!(
            bid_lead(&partner, Some("p1")),
            Ok(LeadChoice::Lead("p1".to_owned()))
        );
        assert!(matches!(
            bid_lead(&partner, Some("p2")),
            Ok(LeadChoice::Invalid {
                code: "not_allowed",
                ..
            })
        ));
        assert_eq!(
            bid_lead(&admin, Some("p2")),
            Ok(LeadChoice::Lead("p2".to_owned()))
        );
        assert!(matches!(
            bid_lead(&admin, None),
            Ok(LeadChoice::Invalid {
                code: "required",
                ..
            })
        ));
        assert!(bid_lead(&principal(Role::Buyer, None), Some("p1")).is_err());
    }

    #[test]
    fn contracts_are_read_by_their_parties() {
        let view = |p: &Principal| contract_view(p).expect("a view");
        assert!(view(&principal(Role::Admin, None)).shows("b9", &[]));
        assert!(view(&principal(Role::Buyer, Some("b1"))).shows("b1", &[]));
        assert!(!view(&principal(Role::Buyer, Some("b2"))).shows("b1", &["p1"]));
        assert!(view(&principal(Role::Partner, Some("p1"))).shows("b1", &["p3", "p1"]));
        assert!(!view(&principal(Role::Partner, Some("p2"))).shows("b1", &["p1"]));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Admin, Role::Partner, Role::Buyer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_needs_exactly_its_organisation() {
        assert!(check_binding(Role::Admin, None, None).is_ok());
        assert!(check_binding(Role::Partner, Some("p"), None).is_ok());
        assert!(check_binding(Role::Buyer, None, Some("b")).is_ok());
        let field = |role, p, b| check_binding(role, p, b).unwrap_err().field;
        assert_eq!(field(Role::Admin, Some("p"), None), "partner_id");
        assert_eq!(field(Role::Admin, None, Some("b")), "buyer_id");
        assert_eq!(
            check_binding(Role::Partner, None, None).unwrap_err().code,
            "required"
        );
        assert_eq!(field(Role::Partner, Some("p"), Some("b")), "buyer_id");
        assert_eq!(field(Role::Buyer, None, None), "buyer_id");
        assert_eq!(field(Role::Buyer, Some("p"), Some("b")), "partner_id");
    }

    #[test]
    fn payments_are_the_buyers_and_admins_members_are_refused_others_see_nothing() {
        let decide = |caller: &Principal| can_record_payment(caller, "b1", &["p1", "p3"]);
        let expected = [
            ("admin", Ok(())),
            ("own partner", Err("forbidden")),
            ("other partner", Err("hidden")),
            ("own buyer", Ok(())),
            ("other buyer", Err("hidden")),
        ];
        let callers = callers();
        for (name, outcome) in expected {
            let caller = callers
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, p)| p.as_ref())
                .expect("a caller");
            let got = decide(caller).map_err(|refusal| match refusal {
                Refusal::Forbidden(_) => "forbidden",
                Refusal::Hidden => "hidden",
            });
            assert_eq!(got, outcome, "{name}");
        }
    }

    #[test]
    fn a_partner_sees_its_payable_a_buyer_its_receivable_an_admin_all() {
        let view = |p: &Principal| contract_view(p).expect("a view");
        let admin = view(&principal(Role::Admin, None));
        let partner = view(&principal(Role::Partner, Some("p1")));
        let buyer = view(&principal(Role::Buyer, Some("b1")));
        assert!(admin.shows_account(AccountKind::Cash, None));
        assert!(admin.shows_account(AccountKind::ProjectFund, Some("x")));
        assert!(partner.shows_account(AccountKind::PartnerPayable, Some("p1")));
        assert!(!partner.shows_account(AccountKind::PartnerPayable, Some("p2")));
        assert!(!partner.shows_account(AccountKind::Cash, None));
        assert!(!partner.shows_account(AccountKind::BuyerReceivable, Some("p1")));
        assert!(buyer.shows_account(AccountKind::BuyerReceivable, Some("b1")));
        assert!(!buyer.shows_account(AccountKind::BuyerReceivable, Some("b2")));
        assert!(!buyer.shows_account(AccountKind::PartnerPayable, Some("b1")));
    }
}
