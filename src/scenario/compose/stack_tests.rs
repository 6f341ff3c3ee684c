//! Compose files as real projects write them, read for one measured service: every value
//! against what the compose tool would do, every refusal with its line and key.

use super::*;

/// `compose` written as compose.yaml in a temp folder, with `files` beside it.
fn load(
    compose: &str,
    files: &[(&str, &str)],
    service: &str,
) -> Result<StackSpec, Vec<ComposeError>> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, compose).unwrap();
    load_stack(&file, service).map(|mut s| {
        // Paths inside the temp folder, made relative for comparison.
        for svc in &mut s.services {
            if let Some(ServiceImage::Build(b)) = &mut svc.image {
                b.context = b.context.strip_prefix(dir.path()).unwrap().to_path_buf();
            }
            for m in &mut svc.mounts {
                if let MountSource::Host(p) = &mut m.source {
                    *p = p.strip_prefix(dir.path()).unwrap().to_path_buf();
                }
            }
        }
        s
    })
}

const STACK: &str = r#"
name: shop
services:
  web:
    build:
      context: ./app
      dockerfile: Dockerfile.prod
      target: runtime
      args:
        PY: "3.11"
    image: shop/web:dev
    command: uvicorn app.main:app --host 0.0.0.0 --workers "2"
    environment:
      - APP_DATABASE_URL=postgresql://app:${DB_PASSWORD:-secret}@db/app
      - APP_DEBUG
    env_file: web.env
    ports: ["8000:8000"]
    restart: unless-stopped
    volumes:
      - ./app:/code
      - uploads:/data/uploads
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
      migrate:
        condition: service_completed_successfully
  migrate:
    image: shop/web:dev
    entrypoint: ["alembic"]
    command: ["upgrade", "head"]
    depends_on: [db]
  db:
    image: postgres:${PG_TAG:-15}
    mem_limit: 512m
    deploy:
      resources:
        limits:
          cpus: "1.5"
    healthcheck:
      test: pg_isready -U app
      interval: 10s
      timeout: 3s
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro
    networks:
      default:
        aliases: [postgres]
  cache:
    image: redis:7
    healthcheck:
      disable: true
    tmpfs: /data
  queue:
    image: rabbitmq
    healthcheck:
      test: ["CMD", "rabbitmq-diagnostics", "ping"]
  off:
    image: x
    healthcheck:
      test: ["NONE"]
  adminer:
    image: adminer
    privileged: true
volumes:
  pgdata:
  uploads:
"#;

#[test]
fn reads_a_stack_as_the_compose_tool_would() {
    std::env::remove_var("APP_DEBUG");
    let s = load(
        STACK,
        &[
            ("web.env", "A=1\nAPP_DATABASE_URL=overridden\n"),
            (".env", "PG_TAG=16\n"),
        ],
        "web",
    )
    .unwrap();
    let names: Vec<&str> = s.services.iter().map(|s| s.name.as_str()).collect();
    // adminer is not needed by web: not started (and its `privileged` does not matter).
    assert_eq!(names, ["db", "cache", "migrate", "web"]);
    let web = s.measured();
    assert_eq!(
        web.waits_for,
        [
            ("db".to_string(), Condition::Healthy),
            ("cache".to_string(), Condition::Started),
            ("migrate".to_string(), Condition::CompletedSuccessfully)
        ]
    );
    assert_eq!(
        web.image,
        Some(ServiceImage::Build(ComposeBuild {
            context: PathBuf::from("app"),
            dockerfile: Some("Dockerfile.prod".into()),
            target: Some("runtime".into()),
            args: BTreeMap::from([("PY".into(), "3.11".into())]),
        }))
    );
    // Split like a shell, not run by one.
    assert_eq!(
        web.command.as_deref().unwrap(),
        [
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--workers",
            "2"
        ]
    );
    // env_file first, `environment` over it; interpolation default; an unset bare name is left out.
    assert_eq!(
        web.env["APP_DATABASE_URL"],
        "postgresql://app:secret@db/app"
    );
    assert_eq!(web.env["A"], "1");
    assert!(!web.env.contains_key("APP_DEBUG"));
    // The bind mount over the measured image is left out and said; the named volume stays.
    assert_eq!(web.mounts.len(), 1);
    assert_eq!(web.mounts[0].source, MountSource::Volume("uploads".into()));
    assert_eq!(s.notes.len(), 1);
    assert!(s.notes[0].contains("the bind mount"), "{}", s.notes[0]);
    assert!(
        s.notes[0].contains("the bind mount ./app:/code was left out"),
        "{}",
        s.notes[0]
    );
    assert_eq!(web.networks, [("default".to_string(), vec![])]);

    let db = &s.services[0];
    assert_eq!(
        db.image,
        Some(ServiceImage::Image("postgres:16".into())),
        ".env gives PG_TAG"
    );
    assert_eq!(
        db.limits.memory_bytes,
        Some(512 << 20),
        "512m is 512 MiB for Docker"
    );
    assert_eq!(db.limits.cpus, Some(1.5));
    assert_eq!(
        db.health,
        HealthSetting::Test {
            test: vec!["CMD-SHELL".into(), "pg_isready -U app".into()],
            timeout: Some(Duration::from_secs(3)),
        }
    );
    assert_eq!(
        db.mounts[1].source,
        MountSource::Host(PathBuf::from("init.sql"))
    );
    assert!(db.mounts[1].read_only);
    assert_eq!(
        db.networks,
        [("default".to_string(), vec!["postgres".to_string()])]
    );
    let cache = &s.services[1];
    assert_eq!(cache.health, HealthSetting::Disabled);
    assert_eq!(cache.tmpfs, ["/data"]);
    let queue = load(STACK, &[("web.env", "")], "queue").unwrap();
    assert_eq!(
        queue.measured().health,
        HealthSetting::Test {
            test: vec!["CMD".into(), "rabbitmq-diagnostics".into(), "ping".into()],
            timeout: None,
        },
        "Docker's stored form keeps CMD"
    );
    let off = load(STACK, &[("web.env", "")], "off").unwrap();
    assert_eq!(off.measured().health, HealthSetting::Disabled);
    let migrate = &s.services[2];
    assert_eq!(migrate.entrypoint.as_deref().unwrap(), ["alembic"]);
    assert_eq!(migrate.waits_for, [("db".to_string(), Condition::Started)]);
    assert_eq!(s.volumes, ["pgdata", "uploads"]);
    assert_eq!(s.networks, ["default"]);
}

#[test]
fn refused_keys_name_line_key_and_what_to_do() {
    let compose = "services:\n  web:\n    image: w\n    depends_on: [db]\n    links: [db]\n  db:\n    image: d\n    privileged: true\n    deploy:\n      replicas: 3\n      resources:\n        limits:\n          pids: 10\n";
    let errors = load(compose, &[], "web").unwrap_err();
    let got: Vec<(Option<usize>, Option<&str>)> =
        errors.iter().map(|e| (e.line, e.key.as_deref())).collect();
    assert_eq!(
        got,
        [
            (Some(5), Some("services.web.links")),
            (Some(8), Some("services.db.privileged")),
            (Some(10), Some("services.db.deploy.replicas")),
            (Some(13), Some("services.db.deploy.resources.limits.pids")),
        ]
    );
    assert!(
        errors[0].message.contains("DNS aliases"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains("remove it"),
        "{}",
        errors[1].message
    );
    assert!(
        errors[2].message.contains("one container per service"),
        "{}",
        errors[2].message
    );
}

#[test]
fn external_volumes_and_foreign_drivers_are_refused() {
    let compose = "services:\n  web:\n    image: w\nvolumes:\n  data:\n    external: true\nnetworks:\n  back:\n    driver: overlay\n";
    let errors = load(compose, &[], "web").unwrap_err();
    assert_eq!(errors[0].line, Some(6));
    assert_eq!(errors[0].key.as_deref(), Some("volumes.data.external"));
    assert_eq!(errors[1].line, Some(9));
    assert!(
        errors[1].message.contains("`bridge` driver"),
        "{}",
        errors[1].message
    );
}

#[test]
fn shape_and_interpolation_errors_are_placed() {
    // A typo: compose_spec knows every key of the spec.
    let errors = load(
        "services:\n  web:\n    image: w\n    enviroment: [A=1]\n",
        &[],
        "web",
    )
    .unwrap_err();
    assert_eq!(errors[0].line, Some(4), "{errors:?}");
    assert!(errors[0].message.contains("enviroment"), "{errors:?}");
    // A required variable.
    let errors = load(
        "services:\n  web:\n    image: w\n    environment:\n      PW: ${DOCKBENCH_TEST_UNSET_PW:?set a password}\n",
        &[],
        "web",
    )
    .unwrap_err();
    assert_eq!(errors[0].line, Some(5));
    assert_eq!(
        errors[0].key.as_deref(),
        Some("services.web.environment.PW")
    );
    assert!(errors[0].message.contains("set a password"), "{errors:?}");
    // The measured service must be in the file; a dependency too.
    let errors = load("services:\n  web:\n    image: w\n", &[], "api").unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("`api` is not in the compose file"),
        "{errors:?}"
    );
    let errors = load(
        "services:\n  web:\n    image: w\n    depends_on: [db]\n",
        &[],
        "web",
    )
    .unwrap_err();
    assert!(errors[0].message.contains("`db`"), "{errors:?}");
    // Bad YAML.
    let errors = load("services:\n  web: [\n", &[], "web").unwrap_err();
    assert!(
        errors[0].message.starts_with("not valid YAML"),
        "{errors:?}"
    );
    assert!(errors[0].line.is_some());
}
