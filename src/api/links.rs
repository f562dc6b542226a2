//! OpenAPI links: which operations an answer leads to and where their path parameters
//! come from, so that a client (or a stateful tester) can walk from a list or a
//! creation to the resource it returned, and from a tender to its bids and contracts.

use serde_json::{Map, Value, json};

/// Where the `id` of the resource an answer returns is found, in a single answer, in a
/// list, and in the request when the path already names it.
const RETURNED: &str = "$response.body#/id";
const FIRST_LISTED: &str = "$response.body#/items/0/id";
const SAME_PATH: &str = "$request.path.id";

/// A resource's collection: what creates one, what lists them, and what acts on one
/// by its `id`.
struct Collection {
    create: Option<&'static str>,
    list: &'static str,
    item: &'static [&'static str],
}

const COLLECTIONS: &[Collection] = &[
    Collection {
        create: Some("create_user"),
        list: "list_users",
        item: &["get_user", "update_user"],
    },
    Collection {
        create: Some("create_client"),
        list: "list_clients",
        item: &["get_client", "revoke_client"],
    },
    Collection {
        create: Some("create_skill"),
        list: "list_skills",
        item: &["get_skill", "update_skill", "delete_skill"],
    },
    Collection {
        create: Some("create_partner"),
        list: "list_partners",
        item: &[
            "get_partner",
            "update_partner",
            "delete_partner",
            "list_partner_skills",
            "list_partner_projects",
        ],
    },
    Collection {
        create: Some("create_buyer"),
        list: "list_buyers",
        item: &["get_buyer", "update_buyer"],
    },
    Collection {
        create: Some("create_project"),
        list: "list_projects",
        item: &["get_project", "update_project", "delete_project"],
    },
    Collection {
        create: Some("create_tender"),
        list: "list_tenders",
        item: &[
            "get_tender",
            "update_tender",
            "delete_tender",
            "publish_tender",
            "close_tender",
            "cancel_tender",
            "list_bids",
            "create_bid",
        ],
    },
    Collection {
        create: Some("create_bid"),
        list: "list_bids",
        item: &[
            "get_bid",
            "update_bid",
            "confirm_bid",
            "decline_bid",
            "submit_bid",
            "withdraw_bid",
        ],
    },
    Collection {
        create: None,
        list: "list_contracts",
        item: &[
            "get_contract",
            "get_revenue_share",
            "put_revenue_share",
            "record_payment",
        ],
    },
    Collection {
        create: None,
        list: "list_accounts",
        item: &["get_account", "account_entries"],
    },
    Collection {
        create: Some("record_payment"),
        list: "list_transactions",
        item: &["get_transaction", "reverse_transaction"],
    },
];

/// A partner's claims on skills and on projects: named by the partner's id and the
/// skill's or project's slug, found in the list or in the path of a `PUT`.
struct Claims {
    list: &'static str,
    put: &'static str,
    key: &'static str,
    listed: &'static str,
    in_path: &'static str,
    operations: &'static [&'static str],
}

const CLAIMS: &[Claims] = &[
    Claims {
        list: "list_partner_skills",
        put: "put_partner_skill",
        key: "skill",
        listed: "$response.body#/items/0/skill",
        in_path: "$request.path.skill",
        operations: &[
            "get_partner_skill",
            "put_partner_skill",
            "delete_partner_skill",
            "verify_partner_skill",
        ],
    },
    Claims {
        list: "list_partner_projects",
        put: "put_partner_project",
        key: "project",
        listed: "$response.body#/items/0/project",
        in_path: "$request.path.project",
        operations: &[
            "get_partner_project",
            "put_partner_project",
            "delete_partner_project",
        ],
    },
];

/// One link: from an operation's answer with `status` to `to`, its parameters read from
/// `parameters` (name, runtime expression).
struct Link {
    from: &'static str,
    status: &'static str,
    to: &'static str,
    parameters: Vec<(&'static str, &'static str)>,
}

fn by_id(from: &'static str, status: &'static str, to: &'static str, id: &'static str) -> Link {
    Link {
        from,
        status,
        to,
        parameters: vec![("id", id)],
    }
}

fn every_link() -> Vec<Link> {
    let mut links = Vec::new();
    for collection in COLLECTIONS {
        for &to in collection.item {
            if let Some(create) = collection.create {
                links.push(by_id(create, "201", to, RETURNED));
            }
            links.push(by_id(collection.list, "200", to, FIRST_LISTED));
        }
    }
    // A tender's life: once published it takes bids; once closed, an award, whose
    // contracts follow; a submitted bid may still be withdrawn.
    for to in ["create_bid", "list_bids", "close_tender", "cancel_tender"] {
        links.push(by_id("publish_tender", "200", to, SAME_PATH));
    }
    for to in ["award_tender", "list_bids"] {
        links.push(by_id("close_tender", "200", to, SAME_PATH));
    }
    links.push(by_id(
        "award_tender",
        "200",
        "get_contract",
        "$response.body#/contracts/0/id",
    ));
    for to in ["get_revenue_share", "record_payment"] {
        links.push(by_id(
            "award_tender",
            "200",
            to,
            "$response.body#/contracts/0/id",
        ));
    }
    // A contract's agreement leads to its payments; postings to their accounts; a
    // payout, like a payment, to its reversal.
    links.push(by_id(
        "get_revenue_share",
        "200",
        "record_payment",
        RETURNED,
    ));
    for to in ["get_transaction", "reverse_transaction"] {
        links.push(by_id("record_payout", "201", to, RETURNED));
    }
    for from in ["record_payment", "record_payout"] {
        for to in ["get_account", "account_entries"] {
            links.push(by_id(
                from,
                "201",
                to,
                "$response.body#/postings/0/account_id",
            ));
        }
    }
    for to in ["confirm_bid", "submit_bid"] {
        links.push(by_id("update_bid", "200", to, RETURNED));
    }
    links.push(by_id("submit_bid", "200", "withdraw_bid", RETURNED));
    // A tender's lots lead to their matches and consortium proposals.
    for from in [
        ("create_tender", "201", RETURNED),
        ("get_tender", "200", RETURNED),
    ] {
        for to in ["lot_matches", "propose_consortium"] {
            links.push(Link {
                from: from.0,
                status: from.1,
                to,
                parameters: vec![("id", from.2), ("lot_id", "$response.body#/lots/0/id")],
            });
        }
    }
    for to in ["lot_matches", "propose_consortium"] {
        links.push(Link {
            from: "list_tenders",
            status: "200",
            to,
            parameters: vec![
                ("id", FIRST_LISTED),
                ("lot_id", "$response.body#/items/0/lots/0/id"),
            ],
        });
    }
    for claims in CLAIMS {
        for &to in claims.operations {
            links.push(Link {
                from: claims.list,
                status: "200",
                to,
                parameters: vec![("id", SAME_PATH), (claims.key, claims.listed)],
            });
            for status in ["200", "201"] {
                links.push(Link {
                    from: claims.put,
                    status,
                    to,
                    parameters: vec![("id", SAME_PATH), (claims.key, claims.in_path)],
                });
            }
        }
    }
    links
}

/// Writes every link on the answer it starts from, named after the operation it leads
/// to. The tests prove that every link's answer and operation exist.
pub fn add_links(document: &mut Value) {
    let mut answers: Map<String, Value> = Map::new();
    for link in every_link() {
        let parameters: Map<String, Value> = link
            .parameters
            .iter()
            .map(|(name, expression)| ((*name).to_owned(), json!(expression)))
            .collect();
        let key = format!("{} {}", link.from, link.status);
        let entry = answers.entry(key).or_insert_with(|| json!({}));
        entry[link.to] = json!({"operationId": link.to, "parameters": parameters});
    }
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(id) = operation["operationId"].as_str().map(str::to_owned) else {
            continue;
        };
        let Some(responses) = operation["responses"].as_object_mut() else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            if let Some(links) = answers.remove(&format!("{id} {status}")) {
                response["links"] = links;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    /// The served document's operations: id → (path parameters, answered statuses).
    fn operations() -> HashMap<String, (Vec<String>, Vec<String>, Value)> {
        let document = crate::api::openapi_document();
        let mut found = HashMap::new();
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let Some(id) = operation["operationId"].as_str() else {
                    continue;
                };
                let path_parameters = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect();
                let statuses = operation["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect();
                found.insert(
                    id.to_owned(),
                    (path_parameters, statuses, operation["responses"].clone()),
                );
            }
        }
        found
    }

    #[test]
    fn every_link_starts_from_an_answer_and_fills_its_target_path() {
        let operations = operations();
        for link in every_link() {
            let (_, statuses, responses) = &operations[link.from];
            assert!(
                statuses.iter().any(|s| s == link.status),
                "{} {}",
                link.from,
                link.status
            );
            let (target_parameters, ..) = &operations[link.to];
            let given: HashSet<&str> = link.parameters.iter().map(|(name, _)| *name).collect();
            let needed: HashSet<&str> = target_parameters.iter().map(String::as_str).collect();
            assert_eq!(given, needed, "{} → {}", link.from, link.to);
            assert_eq!(
                responses[link.status]["links"][link.to]["operationId"], link.to,
                "{} {} is written",
                link.from, link.status
            );
        }
    }

    /// A new operation on one resource must say how a client reaches it.
    #[test]
    fn every_operation_on_one_resource_is_reached_by_a_link() {
        let reached: HashSet<&str> = every_link().iter().map(|link| link.to).collect();
        let unreached: Vec<String> = operations()
            .into_iter()
            .filter(|(id, (path_parameters, ..))| {
                !path_parameters.is_empty() && !reached.contains(id.as_str())
            })
            .map(|(id, _)| id)
            .collect();
        assert!(unreached.is_empty(), "no link leads to {unreached:?}");
    }
}
