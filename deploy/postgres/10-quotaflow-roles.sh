#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory
# (/docker-entrypoint-initdb.d). Creates the logins of the production shape:
#   quotaflow_owner  owns the quotaflow database and its schema; runs the migrations and creates
#                    the application's own login (quotaflow_app_user) on `migrate up` (CREATEROLE)
#   temporal         owns Temporal's databases (CREATEDB), created by temporal-sql-tool
# The application never logs in as either, nor as POSTGRES_USER. Passwords come from docker secrets.
set -eu

owner_password=$(cat /run/secrets/quotaflow_owner_db_password)
temporal_password=$(cat /run/secrets/temporal_db_password)

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$owner_password" -v temporal_password="$temporal_password" <<'SQL'
CREATE ROLE quotaflow_owner LOGIN CREATEROLE PASSWORD :'owner_password';
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE DATABASE quotaflow OWNER quotaflow_owner;
SQL
