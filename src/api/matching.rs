//! `/tenders/{id}/lots/{lot_id}/…`: a lot's ranked, explained partner matches and its
//! consortium proposals.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::PageParams;
use super::pagination::{self, ListResponse, PageQuery};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::matching::{self, ConsortiumProposal, Match, NewConsortiumProposal};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(lot_matches).service(propose_consortium);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LotPath {
    /// The tender's id.
    pub id: String,
    /// The lot's id.
    pub lot_id: String,
}

/// Rank the partners for a lot, best first, each with the reasons for its score.
///
/// Active partners holding one of the lot's required skills, or linked to an upstream
/// project behind one, ranked by score (highest first, then by partner id). The score is
/// an integer (fixed point, the same on every machine):
///
/// - for each required skill held at the lot's `min_level` or above: `weight × level
///   factor`, the factor being 100 for `practitioner`, 150 for `expert`, 200 for
///   `contributor` and 250 for `maintainer`; plus `weight × 25` when an admin verified
///   the claim;
/// - for each upstream project linked to a required skill that the partner contributes
///   to, maintains or stewards: the heaviest `weight` among the required skills linked to
///   that project `× role factor`, 100 for `contributor`, 200 for `maintainer` and 300
///   for `steward`; halved when the link is not verified (a steward is named by an
///   admin, so it is).
///
/// Skills held below the minimum level count nothing and are listed in `missing_skills`.
/// Partners scoring 0 are not listed. The lot's buyer and admins see the ranking at any
/// time; partners once the tender is published.
#[utoipa::path(
    tag = "matching",
    params(LotPath, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the lot's matches, best first", body = ListResponse<Match>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/tenders/{id}/lots/{lot_id}/matches")]
pub async fn lot_matches(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<LotPath>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = matching::lot_matches(&state, &principal, &path.id, &path.lot_id, page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Propose the smallest team of active partners that covers a lot.
///
/// The team has at most `max_members` (5 by default), includes every partner of
/// `require_partner_ids` and none of `exclude_partner_ids`, and covers every required
/// skill at its minimum level that some active partner holds. Among the smallest such
/// teams it has the highest total score (see the matches), then the lowest partner ids.
/// When no team of that size covers everything coverable, the team covering the most
/// required weight is proposed. The search is exact (branch and bound); when its budget
/// runs out a greedy answer is given with `exact: false`.
///
/// Each covered skill is credited to the member holding it at the highest level;
/// `share_bps` is proportional to the credited weight and sums to 10000 (largest
/// remainder). The suggested lead covers the most weight, publishers and maintainers of
/// the lot's upstream projects first. `value_chain_flags` says whether the publishers of
/// those projects are in the team, which shares exceed their covered weight by more
/// than the configured margin, and which members cover nothing. Skills no one can cover
/// are listed in `uncovered_skills`: still a 200. Nothing is stored. The lot's buyer and
/// admins may ask; a required partner that does not exist or is not active is a 409
/// naming each one.
#[utoipa::path(
    tag = "matching",
    params(LotPath),
    request_body = NewConsortiumProposal,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposed team", body = ConsortiumProposal),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/tenders/{id}/lots/{lot_id}/consortium-proposals")]
pub async fn propose_consortium(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<LotPath>,
    body: web::Json<NewConsortiumProposal>,
) -> ApiResult<HttpResponse> {
    let proposal: ConsortiumProposal = matching::propose_consortium(
        &state,
        &principal,
        &path.id,
        &path.lot_id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(proposal))
}

#[cfg(test)]
mod tests {
    use crate::domain::matching::{
        LEVEL_FACTOR_CONTRIBUTOR, LEVEL_FACTOR_EXPERT, LEVEL_FACTOR_MAINTAINER,
        LEVEL_FACTOR_PRACTITIONER, ROLE_FACTOR_CONTRIBUTOR, ROLE_FACTOR_MAINTAINER,
        ROLE_FACTOR_STEWARD, VERIFIED_BONUS,
    };

    /// The formula clients read in the document is the one the domain computes.
    #[test]
    fn the_documented_score_constants_are_the_domains() {
        let document = crate::api::openapi_document();
        let operation = &document["paths"]["/api/v1/tenders/{id}/lots/{lot_id}/matches"]["get"];
        let text = operation["description"].as_str().expect("a description");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for stated in [
            format!("{LEVEL_FACTOR_PRACTITIONER} for `practitioner`"),
            format!("{LEVEL_FACTOR_EXPERT} for `expert`"),
            format!("{LEVEL_FACTOR_CONTRIBUTOR} for `contributor`"),
            format!("{LEVEL_FACTOR_MAINTAINER} for `maintainer`"),
            format!("`weight × {VERIFIED_BONUS}`"),
            format!(
                "{ROLE_FACTOR_CONTRIBUTOR} for `contributor`, {ROLE_FACTOR_MAINTAINER} for `maintainer`"
            ),
            format!("{ROLE_FACTOR_STEWARD} for `steward`"),
        ] {
            assert!(
                text.contains(&stated),
                "the description does not say {stated:?}"
            );
        }
    }
}
