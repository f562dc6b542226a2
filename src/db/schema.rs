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
    }
}

diesel::allow_tables_to_appear_in_same_query!(users, api_clients, login_failures, skills);
