//! The one durable queue, on SQLite always and on PostgreSQL when `SUYUAN_TEST_POSTGRES_URL` is
//! set: claims hand each job out once, failures back off with jitter and end dead with their
//! last error, dead jobs are replayed, and expired leases are taken over. Every step runs on a
//! clock the test sets, never on today's date.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/src/db.rs"]
mod support;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use sea_orm::{DatabaseConnection, EntityTrait as _, Set};
use std::collections::{BTreeSet, HashSet};
use support::{Engine, TestDb};
use suyuan_core::retry::{Backoff, RetryPolicy};
use suyuan_store::entity::mail_job;
use suyuan_store::queue::{Claim, Failed, Job as _, mail};

/// Runs a test on a fresh SQLite database, and on a fresh PostgreSQL one when configured.
macro_rules! both_engines {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $db = TestDb::new(Engine::Sqlite).await.expect("sqlite");
                ($body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some($db) = TestDb::new(Engine::Postgres).await {
                    ($body).await;
                }
            }
        }
    };
}

/// The tests' clock: a fixed instant, far from today.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 14, 9, 0, 0).unwrap()
}

const LEASE: Duration = Duration::seconds(60);

/// A policy of four attempts, 10 s to 80 s apart.
const POLICY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    backoff: Backoff {
        base: std::time::Duration::from_secs(10),
        max: std::time::Duration::from_secs(80),
    },
};

/// Queues `n` jobs, due at `at`; answers their ids.
async fn enqueue(db: &DatabaseConnection, n: usize, at: DateTime<Utc>) -> Vec<i64> {
    let rows = (0..n)
        .map(|i| mail_job::ActiveModel {
            kind: Set("test".into()),
            payload: Set(format!("{{\"n\":{i}}}")),
            created_at: Set(at),
            sent_at: Set(None),
            ..Default::default()
        })
        .collect();
    mail::QUEUE.enqueue(db, rows, at).await.unwrap();
    mail_job::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect()
}

async fn job(db: &DatabaseConnection, id: i64) -> mail_job::Model {
    mail_job::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

both_engines!(
    two_workers_claiming_at_once_handle_every_job_exactly_once,
    |t| async move {
        let ids = enqueue(&t.db, 300, t0()).await;
        let worker = |db: DatabaseConnection| {
            tokio::spawn(async move {
                let mut handled = Vec::new();
                loop {
                    let claimed = mail::QUEUE.claim(&db, t0(), 7, LEASE).await.unwrap();
                    if claimed.is_empty() {
                        return handled;
                    }
                    let claims: Vec<Claim> = claimed.iter().map(|j| j.claim()).collect();
                    let done = mail::QUEUE.complete(&db, &claims, t0()).await.unwrap();
                    assert_eq!(done, claims.len() as u64, "every claim still held");
                    handled.extend(claims);
                    tokio::task::yield_now().await;
                }
            })
        };
        let (a, b) = (worker(t.db.clone()), worker(t.db.clone()));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let all: Vec<Claim> = a.iter().chain(&b).copied().collect();
        let once: BTreeSet<i64> = all.iter().map(|c| c.id).collect();
        assert_eq!(all.len(), ids.len(), "no job was handed out twice");
        assert_eq!(once, ids.iter().copied().collect(), "every job was handled");
        assert!(all.iter().all(|c| c.attempts == 1));
        let counts = mail::QUEUE.counts(&t.db).await.unwrap();
        assert_eq!(counts.get(mail::status::SENT), Some(&300));
        assert_eq!(counts.len(), 1, "{counts:?}");
    }
);

both_engines!(
    retries_wait_longer_each_time_spread_by_jitter,
    |t| async move {
        enqueue(&t.db, 16, t0()).await;
        let mut now = t0();
        let mut previous_low = std::time::Duration::ZERO;
        for attempt in 1..POLICY.max_attempts {
            let claimed = mail::QUEUE.claim(&t.db, now, 100, LEASE).await.unwrap();
            assert_eq!(claimed.len(), 16, "all due again at attempt {attempt}");
            let mut waits = Vec::new();
            for j in &claimed {
                assert_eq!(j.attempts, attempt);
                let failed = mail::QUEUE
                    .fail(&t.db, j.claim(), now, "relay busy", Some(&POLICY))
                    .await
                    .unwrap();
                let Failed::Retrying { at } = failed else {
                    panic!(
                        "attempt {attempt} of {} is retried: {failed:?}",
                        POLICY.max_attempts
                    );
                };
                waits.push((at - now).to_std().unwrap());
            }
            let ceiling = POLICY.backoff.ceiling(attempt);
            assert!(
                waits.iter().all(|w| *w >= ceiling / 2 && *w <= ceiling),
                "attempt {attempt}: {waits:?} within half of {ceiling:?} to all of it"
            );
            let distinct: HashSet<_> = waits.iter().collect();
            assert!(distinct.len() > 1, "jitter spreads the retries: {waits:?}");
            let low = *waits.iter().min().unwrap();
            assert!(
                low >= previous_low,
                "waits grow: {low:?} after {previous_low:?}"
            );
            previous_low = low;
            // Nothing is due before its time; all are by the latest one.
            let earliest = now + Duration::from_std(low).unwrap();
            let before = earliest - Duration::milliseconds(1);
            assert!(
                mail::QUEUE
                    .claim(&t.db, before, 100, LEASE)
                    .await
                    .unwrap()
                    .is_empty()
            );
            now += Duration::from_std(*waits.iter().max().unwrap()).unwrap();
        }
    }
);

both_engines!(
    a_job_that_keeps_failing_is_dead_after_its_budget_with_its_last_error,
    |t| async move {
        let id = enqueue(&t.db, 1, t0()).await[0];
        let mut now = t0();
        for attempt in 1..=POLICY.max_attempts {
            let claimed = mail::QUEUE.claim(&t.db, now, 10, LEASE).await.unwrap();
            assert_eq!(claimed.len(), 1);
            let failed = mail::QUEUE
                .fail(
                    &t.db,
                    claimed[0].claim(),
                    now,
                    &format!("attempt {attempt} refused"),
                    Some(&POLICY),
                )
                .await
                .unwrap();
            match failed {
                Failed::Retrying { at } => now = at,
                Failed::Dead => assert_eq!(attempt, POLICY.max_attempts),
                Failed::ClaimLost => panic!("the claim was held"),
            }
        }
        let dead = job(&t.db, id).await;
        assert_eq!(dead.status, mail::status::DEAD);
        assert_eq!(dead.attempts, POLICY.max_attempts);
        assert_eq!(dead.last_error.as_deref(), Some("attempt 4 refused"));
        assert_eq!(dead.locked_until, None);
        let far = now + Duration::days(365);
        assert!(
            mail::QUEUE
                .claim(&t.db, far, 10, LEASE)
                .await
                .unwrap()
                .is_empty(),
            "dead stays dead"
        );
        let letters = mail::dead_letters(&t.db, 10).await.unwrap();
        assert_eq!(letters.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);

        // Without a policy a failure is dead at once.
        let other = enqueue(&t.db, 1, far).await.into_iter().max().unwrap();
        let claimed = mail::QUEUE.claim(&t.db, far, 10, LEASE).await.unwrap();
        assert_eq!(claimed[0].id, other);
        let failed = mail::QUEUE
            .fail(&t.db, claimed[0].claim(), far, "550 no such mailbox", None)
            .await
            .unwrap();
        assert_eq!(failed, Failed::Dead);
        assert_eq!(job(&t.db, other).await.attempts, 1);
    }
);

both_engines!(
    a_replayed_dead_job_is_pending_with_its_attempts_reset_and_is_processed,
    |t| async move {
        let id = enqueue(&t.db, 1, t0()).await[0];
        let claimed = mail::QUEUE.claim(&t.db, t0(), 10, LEASE).await.unwrap();
        mail::QUEUE
            .fail(&t.db, claimed[0].claim(), t0(), "refused", None)
            .await
            .unwrap();
        // Only dead jobs replay.
        let later = t0() + Duration::hours(2);
        assert!(matches!(
            mail::replay(&t.db, id + 1, later).await,
            Err(suyuan_store::StoreError::NotFound(_))
        ));
        mail::replay(&t.db, id, later).await.unwrap();
        let pending = job(&t.db, id).await;
        assert_eq!(pending.status, mail::status::PENDING);
        assert_eq!(pending.attempts, 0);
        assert_eq!(pending.last_error, None);
        assert_eq!(pending.next_attempt_at, later);
        assert!(
            mail::replay(&t.db, id, later).await.is_err(),
            "a pending job does not replay"
        );
        assert!(
            mail::QUEUE
                .claim(&t.db, t0() + Duration::hours(1), 10, LEASE)
                .await
                .unwrap()
                .is_empty()
        );

        let claimed = mail::QUEUE.claim(&t.db, later, 10, LEASE).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].attempts, 1, "counting from the start again");
        assert!(mail::sent(&t.db, &claimed[0], later).await.unwrap());
        let done = job(&t.db, id).await;
        assert_eq!(done.status, mail::status::SENT);
        assert_eq!(done.sent_at, Some(later));
        assert!(mail::dead_letters(&t.db, 10).await.unwrap().is_empty());
    }
);

both_engines!(
    an_expired_lease_is_taken_over_and_the_old_claim_writes_nothing,
    |t| async move {
        let id = enqueue(&t.db, 1, t0()).await[0];
        let first = mail::QUEUE.claim(&t.db, t0(), 10, LEASE).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(job(&t.db, id).await.locked_until, Some(t0() + LEASE));
        let during = t0() + LEASE - Duration::seconds(1);
        assert!(
            mail::QUEUE
                .claim(&t.db, during, 10, LEASE)
                .await
                .unwrap()
                .is_empty(),
            "held while leased"
        );

        let after = t0() + LEASE + Duration::seconds(1);
        let second = mail::QUEUE.claim(&t.db, after, 10, LEASE).await.unwrap();
        assert_eq!(second.len(), 1, "its worker died: taken over");
        assert_eq!(second[0].attempts, 2);

        let stale = first[0].claim();
        assert_eq!(
            mail::QUEUE.complete(&t.db, &[stale], after).await.unwrap(),
            0
        );
        assert_eq!(
            mail::QUEUE
                .fail(&t.db, stale, after, "late", Some(&POLICY))
                .await
                .unwrap(),
            Failed::ClaimLost
        );
        assert_eq!(job(&t.db, id).await.status, mail::status::SENDING);
        assert_eq!(
            mail::QUEUE
                .complete(&t.db, &[second[0].claim()], after)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            mail::QUEUE.count(&t.db, mail::status::SENT).await.unwrap(),
            1
        );
    }
);

both_engines!(
    the_inbox_is_one_of_them_scoped_to_its_seller,
    |t| async move {
        use suyuan_core::credit_code::CreditCode;
        use suyuan_core::division::DivisionCode;
        use suyuan_core::secrets::SecretKey;
        use suyuan_store::inbox::{self, Applying, NewDelivery};
        use suyuan_store::{shops, tenants};
        let seller = |name: &'static str, code: &'static str| {
            let db = t.db.clone();
            async move {
                tenants::create_seller(
                    &db,
                    tenants::NewSeller {
                        name: name.into(),
                        credit_code: CreditCode::with_check_character(code).unwrap(),
                        division_code: DivisionCode::parse("440104").unwrap(),
                        seller_type: suyuan_core::tenancy::SellerType::Online,
                        email: None,
                    },
                )
                .await
                .unwrap()
                .id
            }
        };
        let owner = seller("甲", "91440104MA59ABCD1").await;
        let other = seller("乙", "91330106MA2GXYK23").await;
        let shop = shops::create(
            &t.db,
            &SecretKey::generate(),
            &owner,
            shops::NewShop {
                platform: "shopify".into(),
                name: "s".into(),
                shop: "q.myshopify.com".into(),
                secret: "k".into(),
                app_key: None,
            },
        )
        .await
        .unwrap();
        let delivery = |i: usize| NewDelivery {
            store_id: shop.id.clone(),
            seller_id: owner.to_string(),
            platform: "shopify".into(),
            idempotency_key: format!("d-{}", i % 40),
            topic: "products/create".into(),
            body: b"{}".to_vec(),
            received_at: t0(),
        };
        // Forty deliveries, each sent twice: stored once.
        let fresh = inbox::insert_batch(&t.db, &(0..80).map(delivery).collect::<Vec<_>>())
            .await
            .unwrap();
        assert_eq!(fresh.iter().filter(|n| **n).count(), 40);

        // Two workers, each marking what it claimed done in its own transaction.
        let worker = |db: DatabaseConnection, seller: suyuan_core::ids::SellerId| {
            tokio::spawn(async move {
                let mut handled = Vec::new();
                loop {
                    let rows = inbox::claim_due(&db, t0(), 6, LEASE).await.unwrap();
                    if rows.is_empty() {
                        return handled;
                    }
                    let batch = Applying::begin(&db, &seller).await.unwrap();
                    let refs: Vec<_> = rows.iter().collect();
                    assert_eq!(batch.done(&refs, t0()).await.unwrap(), rows.len() as u64);
                    handled.extend(rows.iter().map(|r| (r.id, r.attempts)));
                }
            })
        };
        let a = worker(t.db.clone(), owner.clone());
        let b = worker(t.db.clone(), owner.clone());
        let mut all = a.await.unwrap();
        all.extend(b.await.unwrap());
        let ids: BTreeSet<i64> = all.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            (all.len(), ids.len()),
            (40, 40),
            "each delivery handled once"
        );
        assert!(all.iter().all(|(_, attempts)| *attempts == 1));
        assert_eq!(
            inbox::count_by_status(&t.db, inbox::status::DONE)
                .await
                .unwrap(),
            40
        );

        // One that cannot be applied: dead at once, listed and replayable by its seller only.
        inbox::insert_batch(
            &t.db,
            &[NewDelivery {
                idempotency_key: "bad".into(),
                ..delivery(0)
            }],
        )
        .await
        .unwrap();
        let bad = inbox::claim_due(&t.db, t0(), 10, LEASE).await.unwrap();
        let failed = inbox::fail(&t.db, &bad[0], t0(), "unknown topic", None)
            .await
            .unwrap();
        assert_eq!(failed, Failed::Dead);
        assert!(
            inbox::dead_letters(&t.db, &other, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let dead = inbox::dead_letters(&t.db, &owner, 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].last_error.as_deref(), Some("unknown topic"));
        assert!(
            inbox::replay(&t.db, &other, dead[0].id, t0())
                .await
                .is_err()
        );
        inbox::replay(&t.db, &owner, dead[0].id, t0())
            .await
            .unwrap();
        let again = inbox::claim_due(&t.db, t0(), 10, LEASE).await.unwrap();
        assert_eq!((again[0].id, again[0].attempts), (dead[0].id, 1));
    }
);

both_engines!(the_queue_migrations_roll_back_and_forward, |t| async move {
    use sea_orm_migration::MigratorTrait as _;
    // The mail outbox and the operator deliveries' leases (and whatever came after them),
    // undone and done again.
    let all = suyuan_migrations::Migrator::migrations();
    let leases = all
        .iter()
        .position(|m| m.name() == "m20261201_000001_add_operator_delivery_leases")
        .unwrap();
    let steps = u32::try_from(all.len() - leases).unwrap();
    suyuan_migrations::Migrator::down(&t.db, Some(steps))
        .await
        .unwrap();
    assert!(
        mail_job::Entity::find().all(&t.db).await.is_err(),
        "no mail outbox"
    );
    suyuan_migrations::Migrator::up(&t.db, None).await.unwrap();
    enqueue(&t.db, 1, t0()).await;
    assert_eq!(
        mail::QUEUE
            .claim(&t.db, t0(), 10, LEASE)
            .await
            .unwrap()
            .len(),
        1
    );
});
