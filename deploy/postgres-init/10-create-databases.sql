-- Runs once, when the postgres container initialises an empty data volume (/docker-entrypoint-initdb.d),
-- as POSTGRES_USER (medins). One database per service, plus the gateway's.
-- `medins-admin migrate` also creates a service's database when it is missing.
CREATE DATABASE registration;
CREATE DATABASE transfer;
CREATE DATABASE claims;
CREATE DATABASE maternity;
CREATE DATABASE institutions;
CREATE DATABASE settlement;
CREATE DATABASE gateway;
