//! Diesel table definitions, identical for both backends (portable column types only).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        partner_id -> Nullable<Text>,
        buyer_id -> Nullable<Text>,
        active -> Bool,
        token_generation -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        role -> Text,
        partner_id -> Nullable<Text>,
        buyer_id -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        throttle_key -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    skills (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        category -> Text,
        parent_id -> Nullable<Text>,
        description -> Text,
        esco_uri -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        search_text -> Text,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        legal_name -> Text,
        siren -> Text,
        kind -> Text,
        membership -> Text,
        status -> Text,
        verified -> Bool,
        website -> Nullable<Text>,
        contact_email -> Text,
        region -> Text,
        headcount -> Nullable<Integer>,
        description -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    buyers (id) {
        id -> Text,
        name -> Text,
        siret -> Text,
        kind -> Text,
        contact_email -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    partner_skills (partner_id, skill_id) {
        partner_id -> Text,
        skill_id -> Text,
        level -> Integer,
        certified_experts -> Integer,
        evidence_urls -> Text,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        repository_url -> Text,
        website -> Nullable<Text>,
        license -> Text,
        license_ids -> Text,
        description -> Text,
        steward_partner_id -> Nullable<Text>,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    project_skills (project_id, skill_id) {
        project_id -> Text,
        skill_id -> Text,
    }
}

diesel::table! {
    tenders (id) {
        id -> Text,
        buyer_id -> Text,
        reference -> Text,
        title -> Text,
        description -> Text,
        procedure -> Text,
        currency -> Text,
        estimated_value_minor -> BigInt,
        submission_deadline -> Timestamp,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    lots (id) {
        id -> Text,
        tender_id -> Text,
        position -> Integer,
        title -> Text,
        description -> Text,
        estimated_value_minor -> BigInt,
    }
}

diesel::table! {
    lot_skills (lot_id, skill_id) {
        lot_id -> Text,
        skill_id -> Text,
        position -> Integer,
        min_level -> Integer,
        weight -> Integer,
    }
}

diesel::table! {
    bids (id) {
        id -> Text,
        tender_id -> Text,
        lot_id -> Text,
        lead_partner_id -> Text,
        price_minor -> BigInt,
        currency -> Text,
        technical_summary -> Text,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        live_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        value_chain -> Nullable<Text>,
    }
}

diesel::table! {
    bid_members (bid_id, partner_id) {
        bid_id -> Text,
        partner_id -> Text,
        position -> Integer,
        share_bps -> Integer,
        response -> Text,
        responded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        tender_id -> Text,
        lot_id -> Text,
        bid_id -> Text,
        buyer_id -> Text,
        value_minor -> BigInt,
        currency -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    contract_members (contract_id, partner_id) {
        contract_id -> Text,
        partner_id -> Text,
        position -> Integer,
        share_bps -> Integer,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_projects (partner_id, project_id) {
        partner_id -> Text,
        project_id -> Text,
        role -> Text,
        evidence_urls -> Text,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    revenue_shares (contract_id) {
        contract_id -> Text,
        platform_fee_bps -> Integer,
        upstream_bps -> Integer,
        frozen -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    revenue_share_projects (contract_id, project_id) {
        contract_id -> Text,
        project_id -> Text,
        position -> Integer,
        weight -> Integer,
    }
}

diesel::table! {
    revenue_share_members (contract_id, partner_id) {
        contract_id -> Text,
        partner_id -> Text,
        position -> Integer,
        share_bps -> Integer,
    }
}

diesel::table! {
    ledger_accounts (id) {
        id -> Text,
        kind -> Text,
        owner_id -> Nullable<Text>,
        currency -> Text,
        account_key -> Text,
        balance_minor -> BigInt,
        entries -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ledger_transactions (id) {
        id -> Text,
        seq -> BigInt,
        kind -> Text,
        contract_id -> Nullable<Text>,
        reverses_id -> Nullable<Text>,
        reference -> Text,
        received_on -> Nullable<Date>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    ledger_postings (transaction_id, position) {
        transaction_id -> Text,
        position -> Integer,
        account_id -> Text,
        direction -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        seq -> BigInt,
        balance_after_minor -> BigInt,
    }
}

diesel::table! {
    ledger_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    ledger_checkpoints (id) {
        id -> Text,
        seq -> BigInt,
        hash -> Text,
        signed_at -> Timestamp,
        public_key -> Text,
        signature -> Text,
    }
}

diesel::joinable!(partner_skills -> partners (partner_id));
diesel::joinable!(partner_skills -> skills (skill_id));
diesel::joinable!(partner_projects -> partners (partner_id));
diesel::joinable!(partner_projects -> projects (project_id));
diesel::joinable!(project_skills -> projects (project_id));
diesel::joinable!(project_skills -> skills (skill_id));
diesel::joinable!(projects -> partners (steward_partner_id));
diesel::joinable!(lots -> tenders (tender_id));
diesel::joinable!(lot_skills -> lots (lot_id));
diesel::joinable!(lot_skills -> skills (skill_id));
diesel::joinable!(bid_members -> bids (bid_id));
diesel::joinable!(contract_members -> contracts (contract_id));
diesel::joinable!(revenue_share_projects -> projects (project_id));
diesel::joinable!(revenue_share_members -> partners (partner_id));
diesel::joinable!(ledger_postings -> ledger_transactions (transaction_id));
diesel::joinable!(ledger_postings -> ledger_accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    api_clients,
    login_failures,
    skills,
    partners,
    buyers,
    partner_skills,
    partner_projects,
    projects,
    project_skills,
    tenders,
    lots,
    lot_skills,
    bids,
    bid_members,
    contracts,
    contract_members,
    idempotency_keys,
    revenue_shares,
    revenue_share_projects,
    revenue_share_members,
    ledger_accounts,
    ledger_transactions,
    ledger_postings,
    ledger_head,
    ledger_checkpoints,
);
