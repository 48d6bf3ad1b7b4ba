import { describe, expect, it } from "vitest";
import { redactCommandLine } from "./commandLine";
import { isSensitiveName } from "./sensitiveNames";

/*
 * Command lines as people pass them to `kubectl exec … --`: the argument lists are those of
 * the commands' own documentation (mysql, psql, curl, wget, vault, redis-cli, aws, kubectl,
 * helm), with made-up credentials.
 */

describe("isSensitiveName", () => {
  it.each([
    "password", "--password", "PGPASSWORD", "MYSQL_ROOT_PASSWORD", "newPassword", "passwd", "GPG_PASSPHRASE", "DB_PASS", "MYSQL_PWD",
    "client-secret", "clientSecret", "AWS_SECRET_ACCESS_KEY", "JWT_SECRET", "token", "GITHUB_TOKEN", "access_token", "X-Auth-Token",
    "authtoken", "credentials", "X-Amz-Credential", "api_key", "X-Api-Key", "apikey", "x-apikey", "AWS_ACCESS_KEY_ID", "auth",
    "Authorization", "Proxy-Authorization", "X-Amz-Signature", "sig", "Cookie", "auth.password", "--oauth2-bearer",
  ])("takes %s for a secret's name", (name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it.each([
    // Names that hold a secret's place, not the secret (sensitiveNames.ts REFERENCE_LAST_WORDS).
    "--key-file", "PASSWORD_FILE", "passwordFile", "--secret-name", "--password-stdin", "--token-ttl", "--auth-type",
    // Switches, which take no value (SWITCH_FIRST_WORDS).
    "--no-password", "--ask-vault-pass", "--with-token",
    // Words that only contain a short part.
    "max_tokens", "tokenizer", "monkey", "keyboard", "author", "compass", "bypass", "signal", "PWD", "OLDPWD",
    // What Kubernetes puts in a request URI's query.
    "fieldManager", "fieldValidation", "dryRun", "labelSelector", "fieldSelector", "resourceVersion", "container", "command",
    "stdin", "tty", "timeout", "continue", "limit", "propagationPolicy", "gracePeriodSeconds", "ports", "follow", "",
  ])("leaves %s", (name) => {
    expect(isSensitiveName(name)).toBe(false);
  });
});

describe("redactCommandLine: cuts out", () => {
  it.each([
    // Flags whose name is sensitive, with the value attached or as the next word.
    [["mysql", "--user=root", "--password=S3cret", "orders"], ["mysql", "--user=root", "--password=<redacted>", "orders"]],
    [["app", "--client-secret=xyz", "--password", "p@ss", "--verbose"], ["app", "--client-secret=<redacted>", "--password", "<redacted>", "--verbose"]],
    [["vault", "login", "-token", "s.6Cjw1X"], ["vault", "login", "-token", "<redacted>"]],
    [["kubectl", "--token", "eyJhbGciOiJSUzI1NiJ9.x", "get", "pods"], ["kubectl", "--token", "<redacted>", "get", "pods"]],
    [["wget", "--user=admin", "--password=changeme", "https://example.com/a"], ["wget", "--user=admin", "--password=<redacted>", "https://example.com/a"]],
    [["openssl", "pkcs12", "-export", "-pass", "pass:hunter2", "-out", "a.p12"], ["openssl", "pkcs12", "-export", "-pass", "<redacted>", "-out", "a.p12"]],
    // mysql's attached -p, for its family of programs, called by path or not.
    [["mysql", "-uroot", "-pS3cret", "orders"], ["mysql", "-uroot", "-p<redacted>", "orders"]],
    [["/usr/bin/mysqldump", "-u", "root", "-pS3cret", "--all-databases"], ["/usr/bin/mysqldump", "-u", "root", "-p<redacted>", "--all-databases"]],
    [["mariadb", "-h", "db", "-pS3cret"], ["mariadb", "-h", "db", "-p<redacted>"]],
    [["redis-cli", "-a", "r3dis", "PING"], ["redis-cli", "-a", "<redacted>", "PING"]],
    // Assignments: env, inline, kubectl's literals, helm's --set, a libpq connection string.
    [["env", "PGPASSWORD=hunter2", "psql", "-h", "db"], ["env", "PGPASSWORD=<redacted>", "psql", "-h", "db"]],
    [["env", "GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "gh", "repo", "list"], ["env", "GITHUB_TOKEN=<redacted>", "gh", "repo", "list"]],
    [["kubectl", "create", "secret", "generic", "db", "--from-literal=password=abc"], ["kubectl", "create", "secret", "generic", "db", "--from-literal=password=<redacted>"]],
    [["helm", "upgrade", "db", "bitnami/postgresql", "--set", "auth.password=pw1,auth.database=app"], ["helm", "upgrade", "db", "bitnami/postgresql", "--set", "auth.password=<redacted>"]],
    [["psql", "host=db user=app password=s3cret dbname=orders"], ["psql", "host=db user=app password=<redacted> dbname=orders"]],
    // Headers to curl and wget, and curl's user:password.
    [["curl", "-H", "Authorization: Bearer eyJhbGciOi", "https://api.example.com/v1"], ["curl", "-H", "Authorization: Bearer <redacted>", "https://api.example.com/v1"]],
    [["curl", "--header", "X-Api-Key: 0123456789abcdef", "http://svc/"], ["curl", "--header", "X-Api-Key: <redacted>", "http://svc/"]],
    [["wget", "--header=Cookie: session=abc", "http://svc/"], ["wget", "--header=Cookie: <redacted>", "http://svc/"]],
    [["curl", "-HPrivate-Token: glpat-x", "http://gitlab/api"], ["curl", "-HPrivate-Token: <redacted>", "http://gitlab/api"]],
    [["curl", "-H", "X-Forwarded-Auth: Basic dXNlcjpwYXNz", "http://svc/"], ["curl", "-H", "X-Forwarded-Auth: Basic <redacted>", "http://svc/"]],
    [["curl", "-H", "X-Upstream: Bearer abc", "http://svc/"], ["curl", "-H", "X-Upstream: Bearer <redacted>", "http://svc/"]],
    [["curl", "-u", "admin:changeme", "http://localhost:9200"], ["curl", "-u", "admin:<redacted>", "http://localhost:9200"]],
    [["curl", "--user=elastic:changeme", "http://localhost:9200"], ["curl", "--user=elastic:<redacted>", "http://localhost:9200"]],
    // URLs: userinfo, and sensitive parameters of the query and fragment.
    [["psql", "postgresql://app:s3cret@db:5432/orders?sslmode=require"], ["psql", "postgresql://app:<redacted>@db:5432/orders?sslmode=require"]],
    [["redis-cli", "-u", "redis://:r3dis@cache:6379/0"], ["redis-cli", "-u", "redis://:<redacted>@cache:6379/0"]],
    [["wget", "https://bucket.s3.amazonaws.com/a.tgz?X-Amz-Credential=AKIA%2F20261207&X-Amz-Signature=abcd&X-Amz-Expires=60"], ["wget", "https://bucket.s3.amazonaws.com/a.tgz?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Expires=60"]],
    [["curl", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abc%3D"], ["curl", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=<redacted>"]],
    // Request bodies to curl: a form (a login, an OAuth token request) and JSON, their sensitive fields only.
    [["curl", "-X", "POST", "-d", "username=admin&password=hunter2", "http://svc/login"], ["curl", "-X", "POST", "-d", "username=admin&password=<redacted>", "http://svc/login"]],
    [
      ["curl", "-d", "grant_type=client_credentials&client_id=app&client_secret=s3cr3t", "https://sso/realms/ops/protocol/openid-connect/token"],
      ["curl", "-d", "grant_type=client_credentials&client_id=app&client_secret=<redacted>", "https://sso/realms/ops/protocol/openid-connect/token"],
    ],
    [["curl", "-H", "Content-Type: application/json", "-d", '{"user":"admin","password":"hunter2"}', "http://grafana:3000/login"], ["curl", "-H", "Content-Type: application/json", "-d", '{"user":"admin","password":"<redacted>"}', "http://grafana:3000/login"]],
    [["curl", "--data-raw", '{"name": "ci", "api_key": "k3y\\"x", "role": "Viewer"}', "http://svc/"], ["curl", "--data-raw", '{"name": "ci", "api_key": "<redacted>", "role": "Viewer"}', "http://svc/"]],
    [["curl", "--oauth2-bearer", "eyJhbGciOi", "https://api.example.com/v1"], ["curl", "--oauth2-bearer", "<redacted>", "https://api.example.com/v1"]],
    // Database shells whose -p (-P) takes the password as the next word.
    [["mongosh", "-u", "root", "-p", "s3cret", "--authenticationDatabase", "admin"], ["mongosh", "-u", "root", "-p", "<redacted>", "--authenticationDatabase", "admin"]],
    [["mongodump", "-u", "root", "-p", "s3cret", "--out", "/backup"], ["mongodump", "-u", "root", "-p", "<redacted>", "--out", "/backup"]],
    [["/opt/mssql-tools18/bin/sqlcmd", "-S", "localhost", "-U", "sa", "-P", "Passw0rd!", "-C"], ["/opt/mssql-tools18/bin/sqlcmd", "-S", "localhost", "-U", "sa", "-P", "<redacted>", "-C"]],
    [["cqlsh", "-u", "cassandra", "-p", "cassandra", "cassandra-0"], ["cqlsh", "-u", "cassandra", "-p", "<redacted>", "cassandra-0"]],
    // etcdctl's --user takes user:password, as curl's.
    [["etcdctl", "--user", "root:s3cret", "get", "/registry", "--prefix"], ["etcdctl", "--user", "root:<redacted>", "get", "/registry", "--prefix"]],
    [["etcdctl", "--user=root:s3cret", "member", "list"], ["etcdctl", "--user=root:<redacted>", "member", "list"]],
  ])("%j", (args, expected) => {
    expect(redactCommandLine(args)).toEqual(expected);
  });
});

describe("redactCommandLine: sh -c and bash -c scripts, word by word, in place", () => {
  it.each([
    ["mysql -uroot -pS3cret -e 'select 1'", "mysql -uroot -p<redacted> -e 'select 1'"],
    ['mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "show databases"', 'mysql -u root -p"<redacted>" -e "show databases"'],
    ["PGPASSWORD=hunter2 psql -h db -U app -c 'select 1'", "PGPASSWORD=<redacted> psql -h db -U app -c 'select 1'"],
    ["export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG; aws s3 ls s3://backups", "export AWS_SECRET_ACCESS_KEY=<redacted>; aws s3 ls s3://backups"],
    [
      `curl -sS -H "X-Api-Key: abc123" --header 'Authorization: Basic dXNlcjpwYXNz' "https://admin:pw@example.com/x?token=t0k&page=2"`,
      `curl -sS -H "X-Api-Key: <redacted>" --header 'Authorization: Basic <redacted>' "https://admin:<redacted>@example.com/x?token=<redacted>&page=2"`,
    ],
    ["cd /app && DB_PASSWORD='a b c' ./migrate up", "cd /app && DB_PASSWORD='<redacted>' ./migrate up"],
    ["echo 'GITHUB_TOKEN=ghp_x' >> .env", "echo 'GITHUB_TOKEN=<redacted>' >> .env"],
    // A quoting that splits the secret: the word is written anew, whole.
    [`mysql --password=ab'cd'ef`, `mysql '--password=<redacted>'`],
    // A script in a script, and a command substitution read on its own.
    [`su postgres -c "PGPASSWORD=x psql"`, `su postgres -c "PGPASSWORD=<redacted> psql"`],
    [`TOKEN=$(curl -s -H 'Authorization: Bearer abc' http://vault/token)`, `TOKEN=$(curl -s -H 'Authorization: Bearer <redacted>' http://vault/token)`],
    [`curl -s -d 'username=admin&password=hunter2' http://svc/login`, `curl -s -d 'username=admin&password=<redacted>' http://svc/login`],
    [`curl -s -d '{"username":"admin","password":"hunter2"}' http://svc/login`, `curl -s -d '{"username":"admin","password":"<redacted>"}' http://svc/login`],
    [`mongosh -u root -p "$MONGO_PW" --eval 'db.stats()'`, `mongosh -u root -p "<redacted>" --eval 'db.stats()'`],
  ])("%s", (script, expected) => {
    expect(redactCommandLine(["sh", "-c", script])).toEqual(["sh", "-c", expected]);
    expect(redactCommandLine(["/bin/bash", "-lc", script])).toEqual(["/bin/bash", "-lc", expected]);
  });
});

describe("redactCommandLine: leaves alone", () => {
  it.each([
    [["rm", "-rf", "/data"]],
    [["sh", "-c", "mkdir -p /data/x && cp -p a b && echo ok"]],
    [["mkdir", "-p", "/var/lib/mysql"]],
    [["mysql", "-p", "orders"]],
    [["sudo", "-u", "postgres", "psql"]],
    [["mysql", "-u", "root", "orders", "-e", "select * from users"]],
    [["docker", "run", "--user", "1000:1000", "busybox"]],
    [["docker", "login", "--password-stdin", "registry.example.com"]],
    [["pg_dump", "--no-password", "-h", "db", "orders"]],
    [["pg_dump", "-h", "db", "--no-password", "orders"]],
    [["app", "--key-file=/etc/tls/tls.key", "--tls-cert-file=/etc/tls/tls.crt", "--secret-name=db-creds"]],
    [["sort", "-k", "2", "users.txt"]],
    [["sh", "-c", "cd $PWD && ls -la && cat /etc/os-release"]],
    [["curl", "-sS", "-H", "Content-Type: application/json", "-d", '{"replicas":3}', "http://svc:8080/scale"]],
    [["curl", "https://example.com/search?q=password+reset&page=2"]],
    [["curl", "-d", "name=web&replicas=3", "http://svc:8080/scale"]],
    [["curl", "-d", '{"passwordPolicy":{"minLength":12},"tokenTtl":"1h"}', "http://svc/settings"]],
    [["mongosh", "--host", "mongo-0", "--port", "27017"]],
    [["sqlcmd", "-S", "localhost", "-p", "-Q", "select 1"]],
    [["etcdctl", "--endpoints", "https://etcd:2379", "--user", "root", "get", "/"]],
    [["git", "clone", "git@github.com:org/repo.git"]],
    [["kubectl", "get", "secret", "db", "-o", "jsonpath={.data.password}"]],
    [["python", "-m", "http.server", "--bind", "0.0.0.0", "8000"]],
    [["sh", "-c", "mysql -p$(cat /run/secrets/mysql-root)"]],
    [["env"]],
    [[]],
  ])("%j", (args) => {
    expect(redactCommandLine(args)).toEqual(args);
  });
});

it.each([
  // A secret that is a script's next word is replaced by a bare marker, which a shell would read as redirections.
  "redis-cli -a r3dis ping",
  "kubectl --token eyJhbGciOi get pods",
  "mongosh -u root -p s3cret --eval 'db.stats()'",
  // A backslash before the secret: the marker written after it.
  "app -dpassword=\\Authorization: x",
])("changes nothing when applied again to the script %s", (script) => {
  const once = redactCommandLine(["sh", "-c", script]);
  expect(once[2]).toContain("<redacted>");
  expect(redactCommandLine(once)).toEqual(once);
});

it("changes nothing when applied again", () => {
  const once = redactCommandLine(["sh", "-c", `mysql -pS3cret; curl -u a:b -H "Authorization: Bearer x" https://u:p@h/?token=t -d 'a=1&password=p' -d '{"token":"t"}'`]);
  expect(redactCommandLine(once)).toEqual(once);
});
