#!/usr/bin/env bash
# Baseline for muster's backup-check benchmark: the freshness and retention checks
# done the usual way, with the AWS CLI and jq, over the same RDS API.
#
#   baseline.sh [--rpo-hours N] [--retention-days N] [--snapshot-hours N] [--as-of EPOCH] REGION...
#
# For every DB instance (not a cluster member, not a read replica, not DocumentDB or
# Neptune) and every Aurora or Multi-AZ cluster it checks:
#   retention  BackupRetentionPeriod >= retention days
#   pitr       as-of - LatestRestorableTime <= RPO
#   snapshot   newest available snapshot (OriginalSnapshotCreateTime, else
#              SnapshotCreateTime) at most snapshot hours old, plus 15 minutes
# and prints "REGION ID pass|fail [failed checks]". Exit 1 when any database fails.
# Credentials come from the AWS CLI's own chain (AWS_PROFILE, ...). The endpoint
# AWS_ENDPOINT_URL_RDS, else AWS_ENDPOINT_URL, is passed as --endpoint-url: AWS CLI v1
# ignores those variables (for us-east-1 too), and the baseline must never reach real
# AWS when it is pointed at moto.
set -euo pipefail

rpo_hours=24
retention_days=30
snapshot_hours=24
as_of=$(date +%s)
while [ $# -gt 0 ]; do
  case "$1" in
    --rpo-hours) rpo_hours=$2; shift 2 ;;
    --retention-days) retention_days=$2; shift 2 ;;
    --snapshot-hours) snapshot_hours=$2; shift 2 ;;
    --as-of) as_of=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "baseline.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: baseline.sh [--rpo-hours N] [--retention-days N] [--snapshot-hours N] [--as-of EPOCH] REGION..." >&2
  exit 2
fi
command -v aws >/dev/null || { echo "baseline.sh: the aws CLI is required" >&2; exit 2; }
command -v jq >/dev/null || { echo "baseline.sh: jq is required" >&2; exit 2; }

endpoint=(--output json)
url=${AWS_ENDPOINT_URL_RDS:-${AWS_ENDPOINT_URL:-}}
if [ -n "$url" ]; then endpoint+=(--endpoint-url "$url"); fi

failed=0
for region in "$@"; do
  instances=$(aws rds describe-db-instances --region "$region" "${endpoint[@]}")
  clusters=$(aws rds describe-db-clusters --region "$region" "${endpoint[@]}")
  snapshots=$(aws rds describe-db-snapshots --region "$region" "${endpoint[@]}")
  cluster_snapshots=$(aws rds describe-db-cluster-snapshots --region "$region" "${endpoint[@]}")
  out=$(jq -rn \
    --arg region "$region" \
    --argjson now "$as_of" \
    --argjson rpo "$((rpo_hours * 3600))" \
    --argjson days "$retention_days" \
    --argjson snapmax "$((snapshot_hours * 3600 + 900))" \
    --argjson i "$instances" --argjson c "$clusters" \
    --argjson s "$snapshots" --argjson cs "$cluster_snapshots" '
    # 2026-11-23T12:54:15.490000+00:00 -> epoch seconds
    def epoch: if . == null then null
      else sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdateiso8601 end;
    def excluded: (.Engine // "") | test("^(docdb|neptune)");
    def judge($id; $retention; $latest; $snaps):
      ([ $snaps[] | select((.Status // "" | ascii_downcase) == "available")
         | (.OriginalSnapshotCreateTime // .SnapshotCreateTime) | epoch
         | select(. != null and . <= $now + 300) ] | max) as $newest
      | [ (if ($retention // 0) < $days then "retention" else empty end),
          (if $latest == null or ($now - ($latest | epoch)) > $rpo then "pitr" else empty end),
          (if $newest == null or ($now - $newest) > $snapmax then "snapshot" else empty end) ] as $bad
      | "\($region) \($id) \(if ($bad | length) == 0 then "pass" else "fail \($bad | join(","))" end)";
    ( $i.DBInstances[]
      | select(.DBClusterIdentifier == null and .ReadReplicaSourceDBInstanceIdentifier == null
               and .ReadReplicaSourceDBClusterIdentifier == null and (excluded | not))
      | . as $db
      | judge($db.DBInstanceIdentifier; $db.BackupRetentionPeriod; $db.LatestRestorableTime;
              [ $s.DBSnapshots[] | select(.DBInstanceIdentifier == $db.DBInstanceIdentifier) ]) ),
    ( $c.DBClusters[]
      | select(.ReplicationSourceIdentifier == null and (excluded | not))
      | . as $cl
      | judge($cl.DBClusterIdentifier; $cl.BackupRetentionPeriod; $cl.LatestRestorableTime;
              [ $cs.DBClusterSnapshots[] | select(.DBClusterIdentifier == $cl.DBClusterIdentifier) ]) )
  ')
  if [ -n "$out" ]; then
    printf '%s\n' "$out"
    if printf '%s\n' "$out" | grep -q ' fail'; then failed=1; fi
  fi
done
exit "$failed"
