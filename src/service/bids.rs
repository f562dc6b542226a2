//! Bids: consortium bids on lots. The lead creates, edits, submits and withdraws; the
//! other members confirm or decline; bids are sealed from the buyer until evaluation.
//! Every change locks the bid's tender, then the bid: it cannot cross a close or an award.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::idempotency::{self, Answer, Keyed, Recorded};
use super::matching::{ValueChainFlag, check_value_chain};
use super::patch::Patch;
use super::schemas::Currency;
use super::tenders::{lock_visible, refused, visible};
use super::validation::findings_of;
use super::{Findings, Page, ServiceError, ServiceResult, Slice, check_version, written};
use crate::db::bids::{Bid as BidRecord, BidMemberRow, BidRow};
use crate::db::tenders::TenderRow;
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::{self, BidFacts, BidListRefusal, BidRole, LeadChoice, Principal};
use crate::domain::bid::{self as rules, BidAction, BidStatus, MemberResponse, Share};
use crate::domain::directory::PartnerStatus;
use crate::domain::matching::ConsortiumMember;
use crate::domain::money::WHOLE_BPS;
use crate::domain::tender::{self as lifecycle, TenderAction};
use crate::domain::version::{Expected, tag};
use crate::state::AppState;

/// Most members in a consortium.
const MAX_MEMBERS: u64 = 20;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BidMember {
    pub partner_id: String,
    pub share_bps: i32,
    /// True once the member has agreed to the bid (the lead always has).
    pub confirmed: bool,
    pub response: MemberResponse,
    #[schema(required = true)]
    pub responded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-333333333333", "tender_id": "0193a5b2-7c1e-7d3a-9f10-111111111111",
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
    "lead_partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa",
    "members": [
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000, "confirmed": true,
         "response": "confirmed", "responded_at": "2027-01-10T09:00:00Z"},
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000, "confirmed": true,
         "response": "confirmed", "responded_at": "2027-01-11T15:30:00Z"}
    ],
    "price_minor": 75000000, "currency": "EUR",
    "technical_summary": "Dalibo leads PostgreSQL support; Oslandia covers PostGIS.",
    "status": "submitted", "submitted_at": "2027-01-12T10:00:00Z",
    "value_chain_flags": [
        {"code": "publisher_missing", "skill": "postgis", "project_id": "0193a5b2-7c1e-7d3a-9f10-eeeeeeeeeeee",
         "partner_id": "0193a5b2-7c1e-7d3a-9f10-dddddddddddd", "share_bps": null, "weight_share_bps": null,
         "explanation": "PostGIS, behind required skill `postgis`, is published by Example GIS, which is not in the consortium."}
    ],
    "created_at": "2027-01-10T09:00:00Z", "updated_at": "2027-01-12T10:00:00Z", "version": 4
}))]
pub struct Bid {
    pub id: String,
    pub tender_id: String,
    pub lot_id: String,
    pub lead_partner_id: String,
    pub members: Vec<BidMember>,
    pub price_minor: i64,
    pub currency: String,
    pub technical_summary: String,
    pub status: BidStatus,
    #[schema(required = true)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The value-chain check, made when the bid was submitted (null before): whether the
    /// publishers behind the lot's skills are in the consortium, which shares exceed the
    /// covered weight, which members cover nothing. Informational, never a refusal.
    #[schema(required = true)]
    pub value_chain_flags: Option<Vec<ValueChainFlag>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl TryFrom<BidRecord> for Bid {
    type Error = ServiceError;

    /// Fails only on a row whose value-chain column is not what this service writes.
    fn try_from(bid: BidRecord) -> ServiceResult<Bid> {
        let row = bid.row;
        let value_chain_flags = row
            .value_chain
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| {
                ServiceError::Internal(format!("bid {} has an unreadable value_chain: {e}", row.id))
            })?;
        Ok(Bid {
            value_chain_flags,
            status: row.status,
            members: bid
                .members
                .into_iter()
                .map(|m| BidMember {
                    confirmed: m.response == MemberResponse::Confirmed,
                    response: m.response,
                    partner_id: m.partner_id,
                    share_bps: m.share_bps,
                    responded_at: m.responded_at.map(|at| at.and_utc()),
                })
                .collect(),
            id: row.id,
            tender_id: row.tender_id,
            lot_id: row.lot_id,
            lead_partner_id: row.lead_partner_id,
            price_minor: row.price_minor,
            currency: row.currency,
            technical_summary: row.technical_summary,
            submitted_at: row.submitted_at.map(|at| at.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub partner_id: String,
    /// This member's share in basis points; the shares of a bid add up to 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bps: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
    "members": [{"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000},
                {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000}],
    "price_minor": 75000000, "currency": "EUR",
    "technical_summary": "Dalibo leads PostgreSQL support; Oslandia covers PostGIS."
}))]
pub struct NewBid {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub lot_id: String,
    /// Admins only: the lead partner. A partner leads its own bids.
    pub lead_partner_id: Option<String>,
    /// The consortium, lead included, shares summing to 10000; defaults to the lead
    /// alone with 10000.
    #[validate(length(min = 1, max = MAX_MEMBERS), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub members: Option<Vec<NewMember>>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub price_minor: i64,
    /// Must be the tender's currency.
    #[schema(value_type = Currency)]
    pub currency: String,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub technical_summary: Option<String>,
}

/// The lead's changes to a draft. New members (or new shares) ask every other member
/// to confirm again.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_minor": 72000000}))]
pub struct BidPatch {
    #[validate(length(min = 1, max = MAX_MEMBERS), nested)]
    #[schema(min_items = 1, max_items = 20, value_type = Vec<NewMember>)]
    #[serde(default)]
    pub members: Patch<Vec<NewMember>>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1, value_type = i64)]
    #[serde(default)]
    pub price_minor: Patch<i64>,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000, value_type = String)]
    #[serde(default)]
    pub technical_summary: Patch<String>,
}

/// The tender must take bids now: published and before its deadline.
fn require_open(tender: &TenderRow, now: NaiveDateTime) -> ServiceResult<()> {
    lifecycle::transition(tender.status_at(now), TenderAction::Bid, false)
        .map(drop)
        .map_err(refused)
}

/// Checks a consortium the body names: the domain's share rules, and (in one query)
/// that each member is an active partner; every problem is a finding at its place.
fn check_members(
    conn: &mut DbConnection,
    lead_partner_id: &str,
    members: &[NewMember],
    findings: &mut Findings,
) -> ServiceResult<()> {
    let shares: Vec<Share> = members
        .iter()
        .map(|m| Share {
            partner_id: m.partner_id.clone(),
            share_bps: m.share_bps,
        })
        .collect();
    findings.extend(rules::share_problems(lead_partner_id, &shares));
    let ids: Vec<&str> = members.iter().map(|m| m.partner_id.as_str()).collect();
    let statuses = db::bids::partner_statuses(conn, &ids)?;
    for (index, member) in members.iter().enumerate() {
        let pointer = format!("#/members/{index}/partner_id");
        match statuses.get(&member.partner_id) {
            None => findings.add(pointer, crate::domain::NOT_FOUND, "no such partner"),
            Some(PartnerStatus::Active) => {}
            Some(_) => findings.add(pointer, "inactive", "only active partners may bid"),
        }
    }
    Ok(())
}

/// The members as rows: the lead has agreed already, the others are asked.
fn member_rows(
    bid_id: &str,
    lead_partner_id: &str,
    members: &[NewMember],
    now: NaiveDateTime,
) -> Vec<BidMemberRow> {
    members
        .iter()
        .enumerate()
        .map(|(index, member)| {
            let is_lead = member.partner_id == lead_partner_id;
            BidMemberRow {
                bid_id: bid_id.to_owned(),
                partner_id: member.partner_id.clone(),
                position: index as i32,
                share_bps: member.share_bps,
                response: if is_lead {
                    MemberResponse::Confirmed
                } else {
                    MemberResponse::Pending
                },
                responded_at: is_lead.then_some(now),
            }
        })
        .collect()
}

/// The lead must be an active partner: an admin naming another one gets a finding at
/// `#/lead_partner_id`; a partner that is not active may not bid at all (403).
fn check_lead(
    conn: &mut DbConnection,
    principal: &Principal,
    lead_partner_id: &str,
    findings: &mut Findings,
) -> ServiceResult<()> {
    let status = db::bids::partner_statuses(conn, &[lead_partner_id])?.remove(lead_partner_id);
    match (status, principal.is_admin()) {
        (Some(PartnerStatus::Active), _) => {}
        (None, true) => findings.add(
            "#/lead_partner_id",
            crate::domain::NOT_FOUND,
            "no such partner",
        ),
        (Some(_), true) => findings.add(
            "#/lead_partner_id",
            "inactive",
            "only active partners may bid",
        ),
        (_, false) => {
            return Err(ServiceError::Forbidden(
                "only active partners may bid".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A bid on a lot of a published tender, alone or as the lead of a consortium; with an
/// idempotency key, made at most once (see [`idempotency::once`]).
pub async fn create_bid(
    state: &AppState,
    principal: &Principal,
    tender_id: String,
    body: NewBid,
    keyed: Option<Keyed>,
) -> ServiceResult<Answer> {
    let mut findings = Findings::new(findings_of(&body));
    let lead = match access::bid_lead(principal, body.lead_partner_id.as_deref())
        .map_err(|refusal| ServiceError::refusal(refusal, String::new))?
    {
        LeadChoice::Lead(lead) => Some(lead),
        LeadChoice::Invalid { code, detail } => {
            findings.add("#/lead_partner_id", code, detail);
            None
        }
    };
    let found = findings.into_violations();
    let principal = principal.clone();
    // Read once the locks are held: waiting for them must not move the deadline.
    let clock = state.clock.clone();
    idempotency::once(&state.db, keyed, state.clock.now_naive(), move |conn| {
        let mut findings = Findings::new(found.clone());
        let tender = lock_visible(conn, &principal, &tender_id)?;
        let now = clock.now_naive();
        require_open(&tender, now)?;
        let Some(lead_partner_id) = lead.clone() else {
            return Err(ServiceError::Invalid(findings.into_violations()));
        };
        check_lead(conn, &principal, &lead_partner_id, &mut findings)?;
        let lots = db::tenders::lots_of(conn, std::slice::from_ref(&tender.id))?;
        if !lots.iter().any(|lot| lot.row.id == body.lot_id) {
            findings.add(
                "#/lot_id",
                crate::domain::NOT_FOUND,
                "no such lot in this tender",
            );
        }
        if body.currency != tender.currency {
            findings.add(
                "#/currency",
                "tender_currency",
                format!("bids on this tender are in {}", tender.currency),
            );
        }
        if let Some(members) = &body.members {
            check_members(conn, &lead_partner_id, members, &mut findings)?;
        }
        findings.done()?;
        let bid_id = db::new_id();
        // Without members, the lead bids alone (and was checked above).
        let alone = [NewMember {
            partner_id: lead_partner_id.clone(),
            share_bps: WHOLE_BPS,
        }];
        let members = member_rows(
            &bid_id,
            &lead_partner_id,
            body.members.as_deref().unwrap_or(&alone),
            now,
        );
        let mut row = BidRow {
            id: bid_id,
            tender_id: tender.id,
            lot_id: body.lot_id.clone(),
            lead_partner_id,
            price_minor: body.price_minor,
            currency: body.currency.clone(),
            technical_summary: body.technical_summary.clone().unwrap_or_default(),
            status: BidStatus::Draft,
            submitted_at: None,
            live_key: None,
            value_chain: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        row.set_status(BidStatus::Draft);
        let bid = BidRecord { row, members };
        if let Some(key) = &bid.row.live_key
            && db::bids::live_key_taken(conn, key)?
        {
            return Err(ServiceError::conflict(
                "this partner already has a live bid on this lot; withdraw it or edit it",
            ));
        }
        db::bids::insert(conn, &bid)?;
        let location = format!("/api/v1/bids/{}", bid.row.id);
        let etag = tag(&bid.row.id, bid.row.version);
        Recorded::created(location, etag, &Bid::try_from(bid)?)
    })
    .await
}

/// The bids of a tender the caller may see, oldest first: admins all; the tender's buyer
/// what was submitted, from evaluation on (409 before: bids are sealed); a partner those
/// it is a member of.
pub async fn list_bids(
    state: &AppState,
    principal: &Principal,
    tender_id: String,
    page: Page,
) -> ServiceResult<Slice<Bid>> {
    let principal = principal.clone();
    let now = state.clock.now_naive();
    let (after, fetch) = (page.after.clone(), page.fetch());
    let bids = state
        .db
        .run(move |conn| {
            let tender = visible(conn, Some(&principal), &tender_id)?;
            let view = access::bid_view(&principal, &tender.buyer_id, tender.status_at(now))
                .map_err(|refusal| match refusal {
                    BidListRefusal::Sealed(status) => ServiceError::refused_in(
                        status.as_str(),
                        "bids are sealed until the tender reaches evaluation",
                    ),
                    BidListRefusal::Refused(refusal) => ServiceError::refusal(refusal, String::new),
                })?;
            Ok::<_, ServiceError>(db::bids::list_for_tender(
                conn,
                &tender.id,
                &view,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    Slice::of(&page, bids, |bid| bid.row.id.clone(), Bid::try_from).transpose()
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("no bid `{id}`"))
}

/// What the access policy needs to know of `bid` on `tender` at `now`.
fn facts<'a>(
    bid: &'a BidRecord,
    member_ids: &'a [&'a str],
    tender: &'a TenderRow,
    now: NaiveDateTime,
) -> BidFacts<'a> {
    BidFacts {
        lead_partner_id: &bid.row.lead_partner_id,
        member_ids,
        status: bid.row.status,
        tender_buyer_id: &tender.buyer_id,
        tender_status: tender.status_at(now),
    }
}

/// The bid and its tender, if `principal` may see the bid (else 404).
fn visible_bid(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
    now: NaiveDateTime,
) -> ServiceResult<(BidRecord, TenderRow)> {
    let bid = db::bids::find(conn, id)?.ok_or_else(|| not_found(id))?;
    let tender = db::tenders::find(conn, &bid.row.tender_id)?.ok_or_else(|| not_found(id))?;
    let members: Vec<&str> = bid.members.iter().map(|m| m.partner_id.as_str()).collect();
    access::can_read_bid(principal, &facts(&bid, &members, &tender, now))
        .map_err(|refusal| ServiceError::refusal(refusal, || not_found(id).to_string()))?;
    Ok((bid, tender))
}

/// One bid, as its members, admins and (once unsealed) the buyer see it.
pub async fn get_bid(state: &AppState, principal: &Principal, id: String) -> ServiceResult<Bid> {
    let principal = principal.clone();
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            visible_bid(conn, &principal, &id, now).and_then(|(bid, _)| Bid::try_from(bid))
        })
        .await
}

/// A change to a bid, applied on the locked bid while its locked tender takes bids.
trait Change: FnMut(&mut DbConnection, &mut BidRecord, NaiveDateTime) -> ServiceResult<()> {}
impl<F: FnMut(&mut DbConnection, &mut BidRecord, NaiveDateTime) -> ServiceResult<()>> Change for F {}

/// Locks the bid's tender then the bid, checks who may act, `If-Match` and that the
/// tender still takes bids, applies `change`, and writes what changed.
async fn change_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    role: BidRole,
    version_required: bool,
    mut change: impl Change + Send + 'static,
) -> ServiceResult<Bid> {
    let principal = principal.clone();
    // Read once the locks are held: waiting for them must not move the deadline.
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            // A bid never moves to another tender: its tender can be locked first.
            let tender_id = db::bids::tender_of(conn, &id)?.ok_or_else(|| not_found(&id))?;
            db::lock(conn, Lockable::Tenders, &tender_id)?;
            db::lock(conn, Lockable::Bids, &id)?;
            let now = clock.now_naive();
            let (bid, tender) = visible_bid(conn, &principal, &id, now)?;
            let members: Vec<&str> = bid.members.iter().map(|m| m.partner_id.as_str()).collect();
            access::can_act_on_bid(&principal, &facts(&bid, &members, &tender, now), role)
                .map_err(|refusal| ServiceError::refusal(refusal, || not_found(&id).to_string()))?;
            check_version(&expected, &bid.row.id, bid.row.version, version_required)?;
            require_open(&tender, now)?;
            let mut next = bid.clone();
            change(conn, &mut next, now)?;
            next.row.updated_at = now;
            next.row.version += 1;
            written(db::bids::update_versioned(conn, &next.row)?, "bid")?;
            write_members(conn, &next.row.id, &bid.members, &next.members)?;
            Bid::try_from(next)
        })
        .await
}

/// Writes the members that changed: each new answer alone, or the whole consortium when
/// the lead changed who takes part or their shares.
fn write_members(
    conn: &mut DbConnection,
    bid_id: &str,
    before: &[BidMemberRow],
    after: &[BidMemberRow],
) -> ServiceResult<()> {
    let same_consortium = before.len() == after.len()
        && before.iter().zip(after).all(|(b, a)| {
            (&b.partner_id, b.share_bps, b.position) == (&a.partner_id, a.share_bps, a.position)
        });
    if !same_consortium {
        return Ok(db::bids::replace_members(conn, bid_id, after)?);
    }
    for (was, is) in before.iter().zip(after) {
        if (was.response, was.responded_at) != (is.response, is.responded_at) {
            db::bids::record_response(conn, is)?;
        }
    }
    Ok(())
}

fn step(bid: &mut BidRecord, action: BidAction, what: &str) -> ServiceResult<()> {
    let status = bid.row.status;
    let to = rules::transition(status, action).ok_or_else(|| {
        ServiceError::refused_in(
            status.as_str(),
            format!("a bid in status `{status}` cannot be {what}"),
        )
    })?;
    bid.row.set_status(to);
    Ok(())
}

/// The lead changes a draft; `If-Match` is required.
pub async fn update_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    patch: BidPatch,
) -> ServiceResult<Bid> {
    change_bid(
        state,
        principal,
        id,
        expected,
        BidRole::Lead,
        true,
        move |conn, bid, now| {
            step(bid, BidAction::Edit, "edited")?;
            let mut findings = Findings::new(findings_of(&patch));
            if let Some(members) = patch.members.as_given() {
                check_members(conn, &bid.row.lead_partner_id, members, &mut findings)?;
                bid.members = member_rows(&bid.row.id, &bid.row.lead_partner_id, members, now);
            }
            findings.done()?;
            if let Some(&price) = patch.price_minor.as_given() {
                bid.row.price_minor = price;
            }
            if let Some(summary) = patch.technical_summary.as_given() {
                bid.row.technical_summary.clone_from(summary);
            }
            Ok(())
        },
    )
    .await
}

/// A member other than the lead answers the lead's invitation.
async fn respond(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    response: MemberResponse,
) -> ServiceResult<Bid> {
    let partner_id = principal.partner_id.clone().unwrap_or_default();
    change_bid(
        state,
        principal,
        id,
        expected,
        BidRole::Member,
        false,
        move |_, bid, now| {
            step(bid, BidAction::Respond, "answered")?;
            if let Some(member) = bid.members.iter_mut().find(|m| m.partner_id == partner_id) {
                member.response = response;
                member.responded_at = Some(now);
            }
            Ok(())
        },
    )
    .await
}

/// A member confirms taking part in a draft bid.
pub async fn confirm_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Bid> {
    respond(state, principal, id, expected, MemberResponse::Confirmed).await
}

/// A member declines; the lead must change the members before it can submit.
pub async fn decline_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Bid> {
    respond(state, principal, id, expected, MemberResponse::Declined).await
}

/// The lead submits a draft once every member has confirmed; before the deadline only.
pub async fn submit_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Bid> {
    let margin_bps = state.value_chain_margin_bps;
    change_bid(
        state,
        principal,
        id,
        expected,
        BidRole::Lead,
        false,
        move |conn, bid, now| {
            let responses: Vec<MemberResponse> = bid.members.iter().map(|m| m.response).collect();
            if bid.row.status == BidStatus::Draft && !rules::all_confirmed(&responses) {
                let waiting: Vec<&str> = bid
                    .members
                    .iter()
                    .filter(|m| m.response != MemberResponse::Confirmed)
                    .map(|m| m.partner_id.as_str())
                    .collect();
                return Err(ServiceError::refused_in(
                    bid.row.status.as_str(),
                    format!(
                        "every member must confirm before submission; waiting for {}",
                        waiting.join(", ")
                    ),
                ));
            }
            step(bid, BidAction::Submit, "submitted")?;
            bid.row.submitted_at = Some(now);
            bid.row.value_chain = Some(value_chain_of(conn, bid, margin_bps)?);
            Ok(())
        },
    )
    .await
}

/// The value-chain check of the consortium as submitted, as stored with the bid.
fn value_chain_of(
    conn: &mut DbConnection,
    bid: &BidRecord,
    margin_bps: i64,
) -> ServiceResult<String> {
    let lot = db::tenders::lots_of(conn, std::slice::from_ref(&bid.row.tender_id))?
        .into_iter()
        .find(|lot| lot.row.id == bid.row.lot_id)
        .ok_or_else(|| ServiceError::Internal(format!("bid {} names no lot", bid.row.id)))?;
    let team: Vec<ConsortiumMember> = bid
        .members
        .iter()
        .map(|member| ConsortiumMember {
            partner_id: member.partner_id.clone(),
            share_bps: i64::from(member.share_bps),
            is_lead: member.partner_id == bid.row.lead_partner_id,
        })
        .collect();
    let flags = check_value_chain(conn, &lot, &team, margin_bps)?;
    serde_json::to_string(&flags)
        .map_err(|e| ServiceError::Internal(format!("value chain not encoded: {e}")))
}

/// The lead withdraws a draft or submitted bid; before the deadline only.
pub async fn withdraw_bid(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Bid> {
    change_bid(
        state,
        principal,
        id,
        expected,
        BidRole::Lead,
        false,
        |_, bid, _| step(bid, BidAction::Withdraw, "withdrawn"),
    )
    .await
}
