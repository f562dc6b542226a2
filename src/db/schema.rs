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

diesel::joinable!(partner_skills -> partners (partner_id));
diesel::joinable!(partner_skills -> skills (skill_id));
diesel::joinable!(project_skills -> projects (project_id));
diesel::joinable!(project_skills -> skills (skill_id));
diesel::joinable!(projects -> partners (steward_partner_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    api_clients,
    login_failures,
    skills,
    partners,
    buyers,
    partner_skills,
    projects,
    project_skills,
);
