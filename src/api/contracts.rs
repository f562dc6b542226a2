//! `/contracts`: what each award binds, lot by lot; admins read all, a buyer its own,
//! a partner those it is a member of.

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::PageParams;
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::contracts::{self, Contract, ContractListQuery};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_contracts).service(get_contract);
}

/// List the contracts the caller may read, oldest first.
#[utoipa::path(
    tag = "contracts",
    params(ContractListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of contracts", body = ListResponse<Contract>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/contracts")]
pub async fn list_contracts(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ContractListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = contracts::list_contracts(&state, &principal, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one contract (admin, its buyer, or one of its members).
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path, description = "The contract's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contract", body = Contract, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/contracts/{id}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let contract = contracts::get_contract(&state, &principal, id.into_inner()).await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&contract.id, contract.version),
        &contract,
    ))
}
