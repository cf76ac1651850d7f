#!/bin/bash
# A domino sweep as a Slurm job array, then one merge (docs/sweeps.md).
#
#   sbatch --array=0-15 tools/slurm-sweep.sh sweeps/ict-battery.yaml results/ict-battery
#
# Each array task computes one shard (points i with i mod N = K, K and N from Slurm) into
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
K=$(( SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0} ))
"$DOMINO" sweep "$SWEEP" --shard slurm --threads "${SLURM_CPUS_PER_TASK:-1}" -o "$OUT/part-$K.h5"

# Merge once every part exists (the tasks race for a lock: one of them merges).
N=${SLURM_ARRAY_TASK_COUNT}
parts=( "$OUT"/part-*.h5 )
if [ "${#parts[@]}" -eq "$N" ] && mkdir "$OUT/.merging" 2>/dev/null; then
  "$DOMINO" merge "${parts[@]}" -o "$OUT.h5"
  rmdir "$OUT/.merging"
  echo "merged ${#parts[@]} parts into $OUT.h5"
fi
