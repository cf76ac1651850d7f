#!/bin/bash
# A domino sweep as a Slurm job array, then one merge (docs/sweeps.md).
#
#   sbatch --array=0-15 tools/slurm-sweep.sh sweeps/ict-battery.yaml results/ict-battery
#
# Each array task computes one shard (points i with i mod N = K, K its place in the array
# and N the array's size, as first submitted) into
# results/ict-battery/part-K.h5, using the task's CPUs for OpenMP. A task that is killed
# (time limit, preemption) keeps its finished points in part-K.h5.points/ and resumes
# when resubmitted. The last task to finish merges the parts into results/ict-battery.h5,
# identical in data to a single-process run; to merge by hand instead:
#   build/domino merge results/ict-battery/part-*.h5 -o results/ict-battery.h5
#
# For one multi-node job under MPI instead of an array:
#   srun build/domino sweep sweeps/ict-battery.yaml -o results/ict-battery.h5
#   (or mpirun -np $SLURM_NTASKS ...; ranks take points dynamically)
#SBATCH --job-name=domino-sweep
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=domino-sweep-%A_%a.log
set -euo pipefail
SWEEP=${1:?usage: sbatch --array=0-N tools/slurm-sweep.sh SWEEP.yaml OUTDIR}
OUT=${2:?usage: sbatch --array=0-N tools/slurm-sweep.sh SWEEP.yaml OUTDIR}
DOMINO=${DOMINO:-build/domino}
mkdir -p "$OUT"
# Shard K of N: the task's place in the array as first submitted. The array's shape
# (first id, step, count) is recorded by the first task to start, so a resubmitted task
# (sbatch --array=5 ...) computes its own shard, not the whole sweep; a step array
# (--array=0-6:2) numbers its tasks 0, 1, 2, 3.
shape="${SLURM_ARRAY_TASK_MIN:-0} ${SLURM_ARRAY_TASK_STEP:-1} ${SLURM_ARRAY_TASK_COUNT:?not in a Slurm job array}"
if ( set -o noclobber; echo "$shape" > "$OUT/.array" ) 2>/dev/null; then :; fi
read -r MIN STEP N < "$OUT/.array"
if [ "$shape" != "$MIN $STEP $N" ]; then
  echo "slurm-sweep: a resubmitted task: shard from the first submission's array ($MIN, step $STEP, $N tasks)" >&2
fi
K=$(( (SLURM_ARRAY_TASK_ID - MIN) / STEP ))
if [ $(( (SLURM_ARRAY_TASK_ID - MIN) % STEP )) -ne 0 ] || [ "$K" -lt 0 ] || [ "$K" -ge "$N" ]; then
  echo "slurm-sweep: task $SLURM_ARRAY_TASK_ID is not in the array of $OUT/.array ($MIN, step $STEP, $N tasks)" >&2
  exit 2
fi
# a shard with no points (more tasks than points) writes an empty part
"$DOMINO" sweep "$SWEEP" --shard "$K/$N" --threads "${SLURM_CPUS_PER_TASK:-1}" -o "$OUT/part-$K.h5"

# Merge once every part exists (the tasks race for a lock: one of them merges). A failed
# merge removes its marker, so the next task to finish (or a rerun) tries again.
parts=( "$OUT"/part-*.h5 )
if [ "${#parts[@]}" -eq "$N" ] && mkdir "$OUT/.merging" 2>/dev/null; then
  if ! "$DOMINO" merge "${parts[@]}" -o "$OUT.h5"; then
    rmdir "$OUT/.merging"
    echo "slurm-sweep: the merge failed; run this task again, or merge by hand" >&2
    exit 1
  fi
  rmdir "$OUT/.merging"
  echo "merged ${#parts[@]} parts into $OUT.h5"
fi
