//! The revenue-share ledger over HTTP: agreements, payments, payouts, reversals,
//! accounts and statements (JSON or CSV), transactions, verification, signed
//! checkpoints, and the public transparency report.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IdempotencyKey, IfMatch, PageParams};
use super::idempotency::{self, keyed};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::responses as r;
use crate::auth::Principal;
use crate::domain::ledger::canonical_time;
use crate::error::{ApiError, ApiResult};
use crate::service::Page;
use crate::service::ledger::{
    self, Account, AccountListQuery, Checkpoint, Entry, NewPayment, NewPayout, NewReversal, Period,
    PublicKey, Transaction, TransactionListQuery, Transparency, TransparencyQuery, Verification,
};
use crate::service::revenue_shares::{self, RevenueShare, RevenueShareUpdate};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_revenue_share)
        .service(put_revenue_share)
        .service(record_payment)
        .service(record_payout)
        .service(list_accounts)
        .service(get_account)
        .service(account_entries)
        .service(list_transactions)
        .service(get_transaction)
        .service(reverse_transaction)
        .service(verify_ledger)
        .service(list_checkpoints)
        .service(create_checkpoint)
        .service(public_key)
        .service(transparency);
}

/// Read a contract's revenue-share agreement (the contract's readers).
#[utoipa::path(
    tag = "ledger",
    params(("id" = String, Path, description = "The contract's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agreement", body = RevenueShare, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/contracts/{id}/revenue-share")]
pub async fn get_revenue_share(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let share = revenue_shares::get_revenue_share(&state, &principal, id.into_inner()).await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&share.id, share.version),
        &share,
    ))
}

/// Replace a contract's revenue-share agreement (admins), until its first payment.
///
/// `If-Match` is required. `upstream_bps` may not go below the network's floor
/// (`upstream_floor_bps`, 422), the fee and the upstream part together may not exceed
/// 10000, an upstream part needs at least one project, and the members are exactly the
/// contract's, shares summing to 10000. Once a payment was posted the agreement is
/// frozen (409).
#[utoipa::path(
    tag = "ledger",
    params(
        ("id" = String, Path, description = "The contract's id"),
        ("If-Match" = String, Header,
            description = "The agreement's ETag: required (428 when missing, 412 when stale)"),
    ),
    request_body = RevenueShareUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new agreement", body = RevenueShare, headers(("ETag" = String))),
        (status = 428, response = r::PreconditionRequired),
        r::MoveErrors,
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[put("/contracts/{id}/revenue-share")]
pub async fn put_revenue_share(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<RevenueShareUpdate>,
) -> ApiResult<HttpResponse> {
    let share = revenue_shares::put_revenue_share(
        &state,
        &principal,
        id.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&share.id, share.version),
        &share,
    ))
}

/// Record a payment received on a contract (its buyer or an admin) and post its split.
///
/// One transaction: cash is debited by the amount; the platform fee, each upstream
/// project's fund and each member's payable are credited their parts, which sum to
/// exactly the amount. The projects together receive `upstream_bps` of the amount
/// rounded up, never below their share (so even 1 minor unit goes upstream); every part
/// is within one minor unit of its exact share (largest remainder, ties to the earlier
/// part: fee, projects, members). The first payment freezes the agreement.
///
/// Honours `Idempotency-Key`: a retry with the same key and body replays the first answer
/// (`Idempotent-Replayed: true`), another body with that key is a 422, and a retry while
/// the first request runs is a 409.
#[utoipa::path(
    tag = "ledger",
    params(
        ("id" = String, Path, description = "The contract's id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$",
            description = "Makes retries safe: 1 to 255 visible ASCII characters, kept 24 h"),
    ),
    request_body = NewPayment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The posted payment (or the first answer, replayed)", body = Transaction,
            headers(("Location" = String), ("ETag" = String),
                ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/contracts/{id}/payments")]
pub async fn record_payment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    body: web::Json<NewPayment>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let keyed = keyed(&req, &principal, key, &body)?;
    let answer = ledger::record_payment(&state, &principal, id.into_inner(), body, keyed).await?;
    Ok(idempotency::respond(answer))
}

/// Pay out of a partner's payable or a project's fund (admins).
///
/// The account is debited and cash credited. A payout beyond the account's balance is a
/// 422 whose detail states the balance; this holds under concurrent payouts too.
/// Honours `Idempotency-Key` (see the payments operation).
#[utoipa::path(
    tag = "ledger",
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$",
            description = "Makes retries safe: 1 to 255 visible ASCII characters, kept 24 h"),
    ),
    request_body = NewPayout,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The posted payout (or the first answer, replayed)", body = Transaction,
            headers(("Location" = String), ("ETag" = String),
                ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/payouts")]
pub async fn record_payout(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    IdempotencyKey(key): IdempotencyKey,
    body: web::Json<NewPayout>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let keyed = keyed(&req, &principal, key, &body)?;
    let answer = ledger::record_payout(&state, &principal, body, keyed).await?;
    Ok(idempotency::respond(answer))
}

/// List the ledger accounts the caller may read, oldest first: all for admins, its
/// payables for a partner, its receivables for a buyer.
#[utoipa::path(
    tag = "ledger",
    params(AccountListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = ListResponse<Account>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/accounts")]
pub async fn list_accounts(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AccountListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = ledger::list_accounts(&state, &principal, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one ledger account and its balance (admins; its owner).
#[utoipa::path(
    tag = "ledger",
    params(("id" = String, Path, description = "The account's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Account, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/accounts/{id}")]
pub async fn get_account(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let account = ledger::get_account(&state, &principal, id.into_inner()).await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&account.id, account.version),
        &account,
    ))
}

/// Entries of one CSV page of a statement.
const CSV_PAGE: i64 = 10_000;

/// An account's statement: its entries in seq order, in a period of whole days.
///
/// With `Accept: text/csv` the statement is CSV with a header row
/// (`seq,recorded_at,transaction_id,kind,contract_id,reference,direction,amount_minor,balance_after_minor`),
/// 10,000 entries per page (`limit` does not apply; `cursor` and the `Link` header do).
#[utoipa::path(
    tag = "ledger",
    params(("id" = String, Path, description = "The account's id"), Period, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the statement", 
            content(
                (ListResponse<Entry> = "application/json"),
                (String = "text/csv", example = "seq,recorded_at,transaction_id,kind,contract_id,reference,direction,amount_minor,balance_after_minor\n1,2027-03-01T10:00:00.000000Z,0193a5b2-7c1e-7d3a-9f10-888888888888,payment,0193a5b2-7c1e-7d3a-9f10-444444444444,INV-2027-0042,credit,1610000,1610000\n"),
            ),
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/accounts/{id}/entries")]
pub async fn account_entries(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    period: web::Query<Period>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    if !wants_csv(&req) {
        let slice = ledger::account_entries(
            &state,
            &principal,
            id.into_inner(),
            period.into_inner(),
            page,
        )
        .await?;
        return Ok(pagination::respond(&req, slice));
    }
    let page = Page {
        limit: CSV_PAGE,
        after: page.after,
    };
    let slice = ledger::account_entries(
        &state,
        &principal,
        id.into_inner(),
        period.into_inner(),
        page,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    if let Some(next) = &slice.next_after {
        response.insert_header((header::LINK, pagination::next_link(&req, next)));
    }
    Ok(response
        .content_type("text/csv; charset=utf-8")
        .body(statement_csv(&slice.items)?))
}

/// Whether the client asked for CSV rather than JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|range| range.trim().to_ascii_lowercase().starts_with("text/csv"))
        })
}

/// The entries as CSV with a header row (RFC 4180 quoting).
fn statement_csv(entries: &[Entry]) -> ApiResult<String> {
    let fail = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "seq",
            "recorded_at",
            "transaction_id",
            "kind",
            "contract_id",
            "reference",
            "direction",
            "amount_minor",
            "balance_after_minor",
        ])
        .map_err(fail)?;
    for entry in entries {
        writer
            .write_record([
                entry.seq.to_string(),
                canonical_time(entry.recorded_at.naive_utc()),
                entry.transaction_id.clone(),
                entry.kind.as_str().to_owned(),
                entry.contract_id.clone().unwrap_or_default(),
                entry.reference.clone(),
                entry.direction.as_str().to_owned(),
                entry.amount_minor.to_string(),
                entry.balance_after_minor.to_string(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))
}

/// List the ledger transactions the caller may read, in chain order: all for admins,
/// those of its contracts for a buyer, those of its contracts and its payouts for a
/// partner.
#[utoipa::path(
    tag = "ledger",
    params(TransactionListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of transactions", body = ListResponse<Transaction>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/transactions")]
pub async fn list_transactions(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<TransactionListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = ledger::list_transactions(&state, &principal, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one ledger transaction with its postings and chain links.
#[utoipa::path(
    tag = "ledger",
    params(("id" = String, Path, description = "The transaction's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The transaction", body = Transaction, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/transactions/{id}")]
pub async fn get_transaction(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let transaction = ledger::get_transaction(&state, &principal, id.into_inner()).await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&transaction.id, transaction.version),
        &transaction,
    ))
}

/// Reverse a transaction (admins): its postings mirrored, linked both ways.
///
/// A transaction is reversed once (409 after); a reversal is not reversed (409); a
/// reversal that would take a balance below zero, such as that of a payment already
/// paid out, is refused (409). Honours `Idempotency-Key` (see the payments operation).
#[utoipa::path(
    tag = "ledger",
    params(
        ("id" = String, Path, description = "The transaction to reverse"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$",
            description = "Makes retries safe: 1 to 255 visible ASCII characters, kept 24 h"),
    ),
    request_body = NewReversal,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The reversal (or the first answer, replayed)", body = Transaction,
            headers(("Location" = String), ("ETag" = String),
                ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/ledger/transactions/{id}/reversal")]
pub async fn reverse_transaction(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    body: web::Json<NewReversal>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let keyed = keyed(&req, &principal, key, &body)?;
    let answer =
        ledger::reverse_transaction(&state, &principal, id.into_inner(), body, keyed).await?;
    Ok(idempotency::respond(answer))
}

/// Verify the ledger (admins): recompute the hash chain from its first transaction and
/// every balance from the postings, on one snapshot, and name the first break.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What verification found (`ok` false names the break)", body = Verification),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/ledger/verify")]
pub async fn verify_ledger(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(ledger::verify(&state, &principal).await?))
}

/// List the signed chain heads, newest first (public).
///
/// Keep one: `ose-api verify-ledger --checkpoint FILE` proves later that the chain still
/// extends it, even if someone rewrote history and recomputed every hash.
#[utoipa::path(
    tag = "ledger",
    params(PageQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of checkpoints", body = ListResponse<Checkpoint>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/ledger/checkpoints")]
pub async fn list_checkpoints(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = ledger::list_checkpoints(&state, page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Sign the chain's head now (admins); the service also signs it periodically when it
/// moved.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new checkpoint", body = Checkpoint),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[post("/ledger/checkpoints")]
pub async fn create_checkpoint(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(ledger::create_checkpoint(&state, &principal).await?))
}

/// The Ed25519 public key that signs checkpoints (public).
#[utoipa::path(
    tag = "ledger",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The key", body = PublicKey),
        (status = 401, response = r::Unauthorized),
    )
)]
#[get("/ledger/public-key")]
pub async fn public_key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(ledger::public_key(&state))
}

/// Where the money went (public): per upstream project, what its fund was credited,
/// paid out and still holds; overall, what buyers paid, the platform fees and the
/// upstream part, for a period of whole days in one currency.
///
/// Computed from the ledger's postings: a reversal subtracts what it undoes, and
/// `outstanding_minor` is the fund's balance at the end of the period.
#[utoipa::path(
    tag = "reports",
    params(TransparencyQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = Transparency),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/reports/transparency")]
pub async fn transparency(
    state: web::Data<AppState>,
    query: web::Query<TransparencyQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(ledger::transparency(&state, query.into_inner()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting_under_a_header_row() {
        let entry = Entry {
            seq: 7,
            transaction_id: "t1".to_owned(),
            kind: crate::domain::ledger::TransactionKind::Payment,
            contract_id: None,
            reference: "INV 1, \"March\"".to_owned(),
            direction: crate::domain::ledger::Direction::Credit,
            amount_minor: 125,
            balance_after_minor: 300,
            recorded_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a time"),
        };
        let csv = statement_csv(&[entry]).expect("CSV");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some(
                "seq,recorded_at,transaction_id,kind,contract_id,reference,direction,amount_minor,balance_after_minor"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "7,2027-01-15T08:00:00.000000Z,t1,payment,,\"INV 1, \"\"March\"\"\",credit,125,300"
            )
        );
        assert_eq!(lines.next(), None);
    }
}
