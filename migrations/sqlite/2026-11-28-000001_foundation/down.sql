DROP TABLE skills;
DROP TABLE login_failures;
DROP TABLE api_clients;
DROP TABLE users;
