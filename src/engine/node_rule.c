/* The rule that sets a node's level: DESIGN.md, "What a node computes". Everything that
 * decides a level is in this file: supply by group mode, buffers, availability, the
 * node's combining rule, the collapse threshold, and its dynamics (step or relax).
 *
 * dm_node_evaluate is pure, so it can run in parallel over a frontier: it reads the
 * committed state and the levels delivered on the node's in-edges (seen), and writes the
 * node's next state to its frontier slot (and its groups' buf_next), which apply() in
 * engine.c commits. */
#include <math.h>
#include "engine_internal.h"

/* Supply sigma_g from the providers' delivered levels, and the provider that limits it. */
static double supply(const dm_engine *e, size_t g, int *limiting_edge)
{
    const group_rule *gr = group_rule_of(e, g);
    size_t first = e->g_edge[g], k = group_nproviders(e, g);
    double sigma = 0;
    int worst = (int)first;
    for (size_t i = first; i < first + k; i++)
        if (e->edge[i].seen < e->edge[worst].seen) worst = (int)i;
    *limiting_edge = worst;
    switch (gr->mode) {
    case DM_MODE_SHARE:  /* sigma = min(1, sum share_u s_u) */
        for (size_t i = first; i < first + k; i++) sigma += e->edge[i].share * e->edge[i].seen;
        return sigma > 1 ? 1 : sigma;
    case DM_MODE_ANY:    /* full redundancy: sigma = max_u s_u */
        for (size_t i = first; i < first + k; i++) sigma = e->edge[i].seen > sigma ? e->edge[i].seen : sigma;
        return sigma;
    case DM_MODE_QUORUM: { /* threshold rule (Watts 2002): 1 if enough providers are up */
        /* at least quorum_count providers, or the fraction of them (rounded up); `failed F`
         * (Watts: down once a fraction F of the k providers, and at least one, is down) is
         * the same rule with k - max(1, ceil(F k)) + 1 providers up */
        double n = (double)k, need = gr->quorum_count > 0 ? gr->quorum_count : ceil(gr->quorum_fraction * n - 1e-9);
        if (gr->quorum_failed > 0) need = n - fmax(1.0, ceil(gr->quorum_failed * n - 1e-9)) + 1;
        size_t up = 0;
        for (size_t i = first; i < first + k; i++) up += e->edge[i].seen >= gr->quorum_level - DM_LEVEL_EPS;
        return (double)up >= need ? 1.0 : 0.0;
    }
    }
    return sigma;
}

/* Remaining buffer (ticks) at tick t, from the mode it has been in since b->t0. */
static double buffer_left(const dm_engine *e, size_t g, const buffer_state *b, int64_t t)
{
    double left = b->left0, dt = (double)(t - b->t0);
    switch (b->mode) {
    case BUF_DRAIN: left -= dt; break;  /* one tick of buffer per tick */
    case BUF_REFILL: left += group_rule_of(e, g)->refill * dt; break;
    default: break;
    }
    return left < 0 ? 0 : left > e->buf_cap[g] ? e->buf_cap[g] : left;
}

/* Whether group g's buffer covers a supply shortfall at tick t; writes the buffer's next
 * state to buf_next[g] and sets *wake to the tick it runs out when it drains. Resupply
 * providers at or above their level stop the drain (generator fuel delivered by 石油 and
 * 物流). */
static int buffer_covers(dm_engine *e, size_t g, double sigma, int64_t t, int64_t *wake)
{
    const group_rule *gr = group_rule_of(e, g);
    const buffer_state *now = &e->buf[g];
    buffer_state *next = &e->buf_next[g];
    double left = buffer_left(e, g, now, t);
    int resupplied = gr->nresupply > 0;
    for (size_t i = 0; i < (size_t)gr->nresupply; i++)
        resupplied &= e->edge[gr->resupply_edge + i].seen >= gr->resupply_level - DM_LEVEL_EPS;
    buf_mode old = now->mode, mode;
    int covers = 0;
    if (sigma >= 1 - DM_LEVEL_EPS) {
        mode = left < e->buf_cap[g] ? BUF_REFILL : BUF_FULL;
    } else if (left > 1e-9) {
        covers = 1;
        mode = resupplied ? BUF_HOLD : BUF_DRAIN;
        if (mode == BUF_DRAIN) {
            int64_t out = t + (int64_t)ceil(left - 1e-9);
            if (out < *wake) *wake = out;
        }
    } else {
        left = 0;
        mode = BUF_EMPTY;
    }
    *next = *now;
    next->flags = 0;
    if (mode != old) {
        *next = (buffer_state){left, t, mode, 0};
        int was_covering = old == BUF_DRAIN || old == BUF_HOLD;
        if (covers && !was_covering) next->flags |= GF_ENGAGED;
        if (mode == BUF_HOLD && old != BUF_HOLD) next->flags |= GF_HELD;
        if (mode == BUF_DRAIN && old == BUF_HOLD) next->flags |= GF_DRAINING;
        if (mode == BUF_EMPTY && was_covering) next->flags |= GF_EXHAUSTED;
    }
    return covers;
}

void dm_node_evaluate(dm_engine *e, int v, size_t slot, int64_t t)
{
    const node_rule *node = node_rule_of(e, v);
    int64_t wake = INT64_MAX;
    double in = 1.0, loss_sum = 0.0, worst = -1.0;
    int cause_edge = -1, cause_group = -1;

    /* Availability of each requirement group and the node's combining rule. */
    for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) {
        size_t g = (size_t)e->group_of[k];
        int limiting;
        double sigma = supply(e, g, &limiting);
        const group_rule *gr = group_rule_of(e, g);
        int covered = gr->has_buffer && buffer_covers(e, g, sigma, t, &wake);
        /* alpha_g = 1 - w_g (1 - sigma_g), or 1 while the buffer covers the group */
        double loss = covered ? 0.0 : gr->strength * (1.0 - sigma);
        double alpha = 1.0 - loss;
        switch (node->rule) {
        case DM_RULE_MIN: in = alpha < in ? alpha : in; break;  /* Leontief: every input needed */
        case DM_RULE_PRODUCT: in *= alpha; break;
        case DM_RULE_LINEAR: loss_sum += loss; break;           /* inoperabilities add up (IIM) */
        }
        if (loss > worst + DM_LEVEL_EPS && loss > DM_LEVEL_EPS) {
            worst = loss;
            cause_edge = limiting;
            cause_group = (int)g;
        }
    }
    if (node->rule == DM_RULE_LINEAR) in = 1.0 - (loss_sum > 1 ? 1 : loss_sum);

    /* Target: tau = min(1 - d, in) (linear: 1 - min(1, sum + d)); 0 below the collapse
     * threshold. The cause is whatever binds: the hazard's damage or the worst group. */
    double d = e->damage[v];
    int collapsed = in < node->collapse - DM_LEVEL_EPS;
    double target = node->rule == DM_RULE_LINEAR ? (in - d > 0 ? in - d : 0) : (1 - d < in ? 1 - d : in);
    if (collapsed) target = 0;
    int damage_binds = d > DM_LEVEL_EPS && (node->rule == DM_RULE_LINEAR ? d >= worst : 1 - d <= in);
    e->next[slot].cause = damage_binds || cause_edge < 0 ? -1 : e->edge[cause_edge].from;
    e->next[slot].group = damage_binds ? -1 : cause_group;
    e->next[slot].root = damage_binds ? e->damage_hazard[v] : cause_edge >= 0 ? e->edge[cause_edge].seen_root : -1;
    /* A layer node is viable when it could run on its own damage and inputs; it runs only
     * while connected through viable nodes (connectivity.c decides, between rounds). */
    if (node->layer_run >= 0) {
        e->next[slot].viable = target > DM_LEVEL_EPS;
        if (!(e->conn_state[v] & CONN_CONNECTED) && target > DM_LEVEL_EPS) {
            target = 0;
            collapsed = 2;  /* disconnected */
            e->next[slot].cause = -1;
            e->next[slot].group = -1;
            e->next[slot].root = e->layer_run[node->layer_run].root;
        }
    }
    e->next[slot].collapsed = (unsigned char)collapsed;
    e->next[slot].restarting = 0;

    /* Dynamics: how the level follows the target. The node's dynamics state is read from
     * the engine and its next value written to the slot. */
    double s = e->level[v], next;
    int64_t dyn_tick = e->dyn_tick[v], rise_restart = e->rise_restart[v];
    double dyn_level = e->dyn_level[v];
    unsigned char restarted = e->restarted[v];
    if (node->dynamics == DM_DYN_RELAX) {
        /* s <- s + k (tau - s) once per tick (dynamic IIM, Lian & Haimes 2006), from the
         * level the node had when the tick began, however often the tick re-evaluates it. */
        if (dyn_tick != t) { dyn_tick = t; dyn_level = s; }
        double s0 = dyn_level;
        next = s0 + node->relax_k * (target - s0);
        if (fabs(next - target) < DM_LEVEL_EPS) next = target;
        else if (t + 1 < wake) wake = t + 1;
    } else if (target <= s + DM_LEVEL_EPS) {
        next = target < s ? target : s;   /* a drop is immediate */
        dyn_tick = -1;
        if (target < s - DM_LEVEL_EPS) restarted = 0;  /* a new loss: the next rise restarts */
    } else {
        /* A rise waits `restart` ticks after the target rose, then ramps to the target:
         * systems have to be restarted and checked. The restart happens once per loss: a
         * node already restarted since its last drop rises further without another one
         * (else two nodes that need each other would restart by turns for days). */
        if (dyn_tick < 0) {
            dyn_tick = t;
            dyn_level = s;
            rise_restart = restarted ? 0 : e->restart ? e->restart[v] : node->restart;
            e->next[slot].restarting = rise_restart > 0;
        }
        int64_t since_restart = t - dyn_tick - rise_restart;
        if (since_restart >= 0) restarted = 1;
        if (since_restart < 0) {
            next = s;
            if (dyn_tick + rise_restart < wake) wake = dyn_tick + rise_restart;
        } else {
            /* The ramp: `ramp` is the time a full recovery takes. Service returns in blocks,
             * one every ramp/steps ticks, each worth that share of capacity, until the target
             * is reached (docs/model-format.md); a small rise is one block. Measured from the
             * level the rise started at, so the level only goes up while the target is above. */
            int64_t ramp = e->ramp ? e->ramp[v] : node->ramp;
            int64_t block = ramp > 0 ? (ramp + node->ramp_steps - 1) / node->ramp_steps : 1;
            int64_t blocks = ramp > 0 ? since_restart / block : 0;
            double reached = ramp > 0 ? dyn_level + (double)(blocks * block) / (double)ramp : target;
            if (reached >= target - DM_LEVEL_EPS) {
                next = target;
                dyn_tick = -1;
            } else {
                next = reached > s ? reached : s;
                int64_t next_block = dyn_tick + rise_restart + (blocks + 1) * block;
                if (next_block < wake) wake = next_block;
            }
        }
    }
    /* Within DM_LEVEL_EPS of full service is full service: a zero-lag loop converging
     * towards 1 stops a hair short of it, and "any loss" must not see that hair. */
    if (next > 1 - DM_LEVEL_EPS) next = 1;
    e->next[slot].level = next;
    e->next[slot].wake = wake;
    e->next[slot].dyn_tick = dyn_tick;
    e->next[slot].dyn_level = dyn_level;
    e->next[slot].rise_restart = rise_restart;
    e->next[slot].restarted = restarted;
}
