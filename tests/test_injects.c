/* Exercise injects (docs/timeline.md): causes and chains that agree, lost resupply as a
 * cause, no backup for a node down from its own damage, lines that cancel within a tick,
 * grouping across regions, filters, recipients, the planner's injects and prompts, the
 * breach table's columns, and hazards after the horizon. */
#include <stdio.h>
#include <stdlib.h>
#include "helpers.h"
#include <jansson.h>
#include "cli_helpers.h"

/* Power (ELEC) loses 30 % for 12 h; fuel (OIL) is first degraded by the power loss, then
 * cut by its own hazard at 1:00 for 2 days: the sector-level Chuetsu case of issue 17. */
#define CHUETSU \
    "name: chuetsu\ndescription: Power lost for 12 h; fuel cut for 2 days.\nmodel: japan-sectors\nhorizon: 3d\n" \
    "hazards:\n" \
    "  - {id: chuetsu-blackout, kind: disaster, description: Substations trip., select: {sectors: [ELEC]}, severity: 0.3, duration: 12h}\n" \
    "  - {id: fuel-delivery-cut, kind: disaster, description: Roads closed to tank trucks., select: {sectors: [OIL]}, at: 1h, duration: 2d}\n"

/* Renders replicate 0 of a scenario with the given options; the caller frees the text. */
static char *render(const char *yaml, dm_format fmt, dm_lang lang, void (*tweak)(dm_inject_options *, const dm_scenario *))
{
    sim x = simulate(yaml);
    dm_inject_options o;
    dm_inject_defaults(&o, fmt, lang);
    if (tweak) tweak(&o, x.sc);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(dm_render_injects(f, x.sc, x.r, &o), 0);
    fclose(f);
    sim_free(&x);
    char *text = strdup(buf);  /* a copy: GCC cannot tell that buf outlives the stream */
    free(buf);
    return text;
}

/* The line of `text` that contains all of a, b (b may be NULL), or NULL. */
static const char *line_with(const char *text, const char *a, const char *b)
{
    static char line[4096];
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n >= sizeof line) n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = 0;
        if (strstr(line, a) && (!b || strstr(line, b))) return line;
        p += n + (e != NULL);
    }
    return NULL;
}

Test(injects, cause_and_chain_agree)
{
    /* Railways' fuel backups (48 h, no resupply) run out because 石油 has been down since
     * 1:00 (its own hazard), not since 0:00 (when the blackout first degraded it): the
     * cause, the chain and the root all name 'fuel-delivery-cut'. Each deepening of a
     * shortfall has its own clock (docs/model-format.md): the facilities cut at 0:00 run
     * dry at 48:00 (a partial loss, still blamed on 石油's own outage: without it they
     * would have been reconnected when the blackout ended), those cut at 1:00 at 49:00,
     * when the last backup runs out ("backup exhausted"). */
    static const char *const lines[] = {"T+48:00 — Railways**: degraded to", "T+49:00 — Railways**: backup exhausted"};
    static const char *const chain_text = "   - To: 国土交通省, 鉄道 CEPTOAR\n   - Chain: Petroleum (T+01:00) <- natural "
                                          "disaster 'fuel-delivery-cut'\n   - Hazard: Roads closed to tank trucks.\n";
    char *out = render(CHUETSU, DM_FORMAT_MD, DM_LANG_EN, NULL);
    cr_expect_null(line_with(out, "T+48:00 — Railways**: backup exhausted", NULL), "%s", out);
    for (int i = 0; i < 2; i++) {
        const char *l = line_with(out, lines[i], NULL);
        cr_assert_not_null(l, "%s: %s", lines[i], out);
        cr_expect(strstr(l, "because Petroleum has been down since T+01:00") != NULL, "%s", l);
        const char *chain = strstr(out, lines[i]);
        chain = strstr(chain, "\n") + 1;
        cr_expect(!strncmp(chain, chain_text, strlen(chain_text)), "%.400s", chain);
    }
    free(out);
    /* the text format's root is the chain's */
    out = render(CHUETSU, DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    static const char *const text_lines[][2] = {{"T+48:00   Railways  ", "degraded to"}, {"T+49:00   Railways  ", "backup exhausted"}};
    for (int i = 0; i < 2; i++) {
        const char *l = line_with(out, text_lines[i][0], text_lines[i][1]);
        cr_assert_not_null(l, "%s %s: %s", text_lines[i][0], text_lines[i][1], out);
        cr_expect(strstr(l, "(root: natural disaster 'fuel-delivery-cut')") != NULL, "%s", l);
    }
    cr_expect(line_with(out, "because Petroleum", "root: natural disaster 'chuetsu-blackout'") == NULL ||
              !strstr(line_with(out, "because Petroleum", "root: natural disaster 'chuetsu-blackout'"), "down"),
              "a loss that follows Petroleum's own outage is blamed on the blackout");
    free(out);
}

/* A model of its own (the Japan model's calibration moves its times): Finance runs on a
 * 48 h backup of Electric power refuelled by Petroleum, nothing else. */
#define RESUPPLY_MODEL \
    "model:\n  name: resupply\n  sectors:\n" \
    "    - {id: ELEC, name_en: Electric power, name_ja: 電力}\n" \
    "    - {id: OIL, name_en: Petroleum, name_ja: 石油}\n" \
    "    - {id: FIN, name_en: Finance, name_ja: 金融}\n" \
    "  dependencies:\n    - {dependent: FIN, providers: ELEC, buffer: {duration: 48h, resupply: [OIL]}}\n"

Test(injects, lost_resupply_is_a_cause)
{
    /* Power is out for 3 days from 0:00, Petroleum from 1:00. By construction: at 0:00
     * Finance's backup engages, resupplied (48:00 left, not draining); at 1:00 the
     * resupply is lost and the backup drains again, the line says why; the 48 h run out
     * at 1:00 + 48:00 = 49:00, and that line says both why it ran on the backup and why
     * the backup ran out. */
    char *out = render("name: long\n" RESUPPLY_MODEL "horizon: 4d\nhazards:\n"
                       "  - {id: blackout, kind: disaster, select: {sectors: [ELEC]}, duration: 3d}\n"
                       "  - {id: fuel, kind: disaster, select: {sectors: [OIL]}, at: 1h, duration: 3d}\n",
                       DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    const char *l = line_with(out, "T+00:00", "Finance  ");
    cr_assert_not_null(l, "%s", out);
    cr_expect(strstr(l, "running on backup, resupplied (48:00 left, not draining)") != NULL, "%s", l);
    l = line_with(out, "T+01:00", "Finance  ");
    cr_assert_not_null(l, "%s", out);
    cr_expect(strstr(l, "resupply lost, backup draining again (48:00 left)") &&
              strstr(l, "resupply from Petroleum lost since T+01:00"), "%s", l);
    l = line_with(out, "T+49:00", "Finance  ");
    cr_assert_not_null(l, "%s", out);
    cr_expect(strstr(l, "backup exhausted — because Electric power has been down since T+00:00; resupply from Petroleum "
                        "lost since T+01:00") != NULL, "%s", l);
    cr_expect_null(line_with(out, "T+48:", "Finance  "), "%s", out);
    free(out);
    out = render("name: long\n" RESUPPLY_MODEL "horizon: 4d\nhazards:\n"
                 "  - {id: blackout, kind: disaster, select: {sectors: [ELEC]}, duration: 3d}\n"
                 "  - {id: fuel, kind: disaster, select: {sectors: [OIL]}, at: 1h, duration: 3d}\n",
                 DM_FORMAT_MD, DM_LANG_JA, NULL);
    cr_expect(strstr(out, "石油からの補給が途絶（T+01:00〜）") != NULL, "%s", out);
    free(out);
}

Test(injects, no_backup_for_a_node_down_from_its_own_damage)
{
    /* 石油 is down from its own hazard from 1:00 to 49:00: the backups of its inputs (ports,
     * logistics) engage in that time, but a refinery that is shut runs on nothing. */
    char *out = render(CHUETSU, DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    for (const char *p = out; (p = strstr(p, "Petroleum  ")); p++) {
        const char *eol = strchr(p, '\n');
        char line[1000];
        snprintf(line, sizeof line, "%.*s", (int)(eol - p), p);
        int t = atoi(p - 10 + 2);  /* hours of "T+hh:mm" at the start of the line */
        if (t >= 1 && t < 49) cr_expect(!strstr(line, "backup"), "T+%d: %s", t, line);
    }
    free(out);
}

Test(injects, lines_that_cancel_within_a_tick)
{
    /* At 0:00 金融's power backup engages and is at once resupplied (fuel is there): one
     * line, "running on backup, resupplied", and no separate "backup resupplied". */
    char *out = render(CHUETSU, DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    cr_expect_not_null(line_with(out, "T+00:00", "Finance  "), "%s", out);
    cr_expect(strstr(line_with(out, "T+00:00", "Finance  "), "running on backup, resupplied (48:00 left, not draining)") != NULL,
              "%s", line_with(out, "T+00:00", "Finance  "));
    cr_expect_null(line_with(out, "T+00:00", "backup resupplied, no longer draining"), "%s", out);
    free(out);
}

static char *prefecture_yaml(const char *body)
{
    static char y[4096];
    snprintf(y, sizeof y, "name: bank\ndescription: A core banking fault.\nmodel: %s/models/japan-prefectures.yaml\n%s",
             env("DOMINO_SOURCE"), body);
    return y;
}

#define BANK \
    "horizon: 1d\nassumptions: [Only the core system fails; branches stay open.]\n" \
    "hazards:\n  - {id: core-fault, kind: failure, description: A faulty update stops the core system., " \
    "select: {sectors: [FIN]}, severity: 0.25, duration: 6h}\n" \
    "injects:\n  - {at: 30min, to: 金融庁, text: A bank reports that ATMs are down.}\n" \
    "  - {at: 0min, text: The exercise begins.}\n" \
    "prompts:\n  - {sector: FIN, kinds: losses, text: Whom do you inform first?}\n"

static void only_fin(dm_inject_options *o, const dm_scenario *sc) { o->sector = dm_model_sector(sc->model, "FIN"); }

Test(injects, grouped_across_regions_with_recipients_prompts_and_planner_injects)
{
    char *out = render(prefecture_yaml(BANK), DM_FORMAT_MD, DM_LANG_JA, NULL);
    /* the head: title, description, assumptions, clock, hazards */
    cr_expect(!strncmp(out, "# 分野横断的演習 インジェクト: bank\n\nA core banking fault.\n\n## 前提\n\n- Only the core system fails; "
                       "branches stay open.\n\n## 演習時計\n\n- 開始時刻の指定なし", 150), "%.400s", out);
    /* one inject for the 47 prefectures, with its recipients, regions, and the prompt
     * (with the first loss of 金融: the hit) */
    const char *hit = strstr(out, "**T+00:00 — 金融（全 47 地域）**: 非意図的要因「core-fault」による障害発生（損傷 25%）\n");
    cr_assert_not_null(hit, "%s", out);
    const char *after = strchr(hit, '\n') + 1;
    cr_expect(!strncmp(after, "   - 宛先: 金融庁、金融CEPTOAR連絡協議会\n   - 地域: 北海道、青森県、", 80), "%.300s", after);
    const char *prompt = strstr(after, "   - 問い: Whom do you inform first?\n");
    cr_expect(prompt && prompt < strstr(after, "\n3. "), "%.3000s", after);
    cr_expect(strstr(strstr(after, "問い") + 1, "問い") == NULL, "a prompt is shown once");
    const char *l = strstr(out, "**T+00:00 — 金融（全 47 地域）**: 75% に低下（");
    cr_assert_not_null(l, "%s", out);
    /* the planner's injects, in time order, among the model's */
    const char *begin = strstr(out, "**T+00:00 — 統制**: The exercise begins.");
    const char *atm = strstr(out, "**T+00:30 — 統制**: A bank reports that ATMs are down.");
    cr_assert(begin && atm && begin < l && l < atm, "%s", out);
    cr_expect(!strncmp(strstr(atm, "\n") + 1, "   - 宛先: 金融庁\n", 20));
    free(out);
    /* numbered in time order from 1 */
    out = render(prefecture_yaml(BANK), DM_FORMAT_MD, DM_LANG_EN, only_fin);
    cr_expect(strstr(out, "\n1. **T+00:00 — exercise control**: The exercise begins.\n") != NULL, "%s", out);
    cr_expect(strstr(out, "\n2. **T+00:00 — Finance (all 47 regions)**: hit by unintentional failure 'core-fault' (damage 25%).\n") != NULL, "%s", out);
    cr_expect(strstr(out, "Information & communications") == NULL, "--sector FIN shows only 金融");
    free(out);
}

/* 情報通信 has two nodes in each prefecture (ICT.NN, and ICT_VISIT.NN, the base stations a
 * crew must restart): a grouped line gathers one of them across regions, and names the
 * second kind by its own name. Both fade at T+2:16 in a 6 h blackout of every power area:
 * two lines, each for all 47 regions (before the grouping knew the id stem: one line for
 * "94 regions", and "2 regions" for Hokkaido's two nodes). */
Test(injects, two_kinds_of_node_in_one_sector_are_grouped_apart)
{
    const char *blackout = "horizon: 12h\nhazards:\n  - {id: dark, kind: disaster, select: {sectors: [GEN]}, severity: 1.0, duration: 6h}\n";
    char *out = render(prefecture_yaml(blackout), DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    cr_expect_not_null(line_with(out, "T+02:16   Information & communications (all 47 regions)", "degraded to >99%"), "%s", out);
    cr_expect_not_null(line_with(out, "T+02:16   Base stations a crew must restart (all 47 regions)", "degraded to >99%"), "%s", out);
    cr_expect_null(line_with(out, "94 regions", NULL), "%s", out);
    free(out);
    out = render(prefecture_yaml(blackout), DM_FORMAT_TEXT, DM_LANG_JA, NULL);
    cr_expect_not_null(line_with(out, "出動が必要な基地局（全 47 地域）", NULL), "%s", out);
    free(out);
    /* json says where as the text does (`who`, which domino report shows) */
    out = render(prefecture_yaml(blackout), DM_FORMAT_JSON, DM_LANG_EN, NULL);
    cr_expect_not_null(strstr(out, "\"who\": \"Base stations a crew must restart (all 47 regions)\""), "%.2000s", out);
    cr_expect_not_null(strstr(out, "\"who\": \"Information & communications (all 47 regions)\""), "%.2000s", out);
    free(out);
}

static void no_grouping(dm_inject_options *o, const dm_scenario *sc) { (void)sc; o->group = 0; }
static void breaches_only(dm_inject_options *o, const dm_scenario *sc) { (void)sc; o->kinds = DM_KIND_BREACHES; }
static void niigata(dm_inject_options *o, const dm_scenario *sc)
{
    for (size_t g = 0; g < sc->model->nregions; g++)
        if (dm_region_matches(&sc->model->regions[g], "Niigata")) o->region = (int)g;
}

Test(injects, filters_and_json)
{
    char *out = render(prefecture_yaml(BANK), DM_FORMAT_JSON, DM_LANG_EN, NULL);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "%s", jerr.text);
    int64_t last = -1;
    size_t grouped = 0;
    for (size_t i = 0; i < json_array_size(doc); i++) {
        json_t *o = json_array_get(doc, i);
        int64_t t = json_integer_value(json_object_get(o, "minutes"));
        cr_expect_geq(t, last, "entry %zu out of time order", i);
        last = t;
        if (json_integer_value(json_object_get(o, "count")) == 47) {
            grouped++;
            cr_expect_eq(json_array_size(json_object_get(o, "regions")), 47);
        }
    }
    cr_expect_gt(grouped, 0);
    json_decref(doc);
    free(out);
    /* without grouping, 47 lines where there was one */
    out = render(prefecture_yaml(BANK), DM_FORMAT_TEXT, DM_LANG_EN, no_grouping);
    size_t hits = 0;
    for (const char *p = out; (p = strstr(p, "hit by unintentional failure")); p++) hits++;
    cr_expect_eq(hits, 47);
    free(out);
    out = render(prefecture_yaml(BANK), DM_FORMAT_TEXT, DM_LANG_EN, breaches_only);
    cr_expect(strstr(out, "breach") && !strstr(out, "hit by"), "%s", out);
    free(out);
    out = render(prefecture_yaml(BANK), DM_FORMAT_TEXT, DM_LANG_EN, niigata);
    cr_expect(strstr(out, "Finance (Niigata)") && !strstr(out, "Hokkaido"), "%s", out);
    free(out);
}

Test(injects, min_change_keeps_big_steps_and_full_restoration)
{
    /* The default scenario's recovery ramps in 5 % blocks: with --min-change 10 no two
     * shown levels of a node are closer than 10 points, and every restoration is shown. */
    char *all = render("name: d\nmodel: japan-sectors\nhorizon: 1d\nhazards:\n  - {id: g, kind: cyber, select: {sectors: [ELEC]}, duration: 6h}\n",
                       DM_FORMAT_TEXT, DM_LANG_EN, NULL);
    char *md = render("name: d\nmodel: japan-sectors\nhorizon: 1d\nhazards:\n  - {id: g, kind: cyber, select: {sectors: [ELEC]}, duration: 6h}\n",
                      DM_FORMAT_MD, DM_LANG_EN, NULL);
    size_t restored_all = 0, restored_md = 0;
    for (const char *p = all; (p = strstr(p, "fully restored")); p++) restored_all++;
    for (const char *p = md; (p = strstr(p, "fully restored")); p++) restored_md++;
    cr_expect_eq(restored_md, restored_all);
    cr_expect_gt(restored_md, 10);
    size_t steps_all = 0, steps_md = 0;
    for (const char *p = all; (p = strstr(p, "recovering (")); p++) steps_all++;
    for (const char *p = md; (p = strstr(p, "recovering (")); p++) steps_md++;
    cr_expect_lt(steps_md, steps_all, "md %zu, text %zu", steps_md, steps_all);
    free(all);
    free(md);
}

Test(injects, breach_table_columns_never_run_together)
{
    /* Every row has its separators at the same display columns, and a wide cell (ガス's
     * households) widens its column instead of touching the next. */
    sim x = simulate(CHUETSU);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(dm_render_breach_table(f, x.sc, x.r, DM_LANG_EN), 0);
    fclose(f);
    cr_expect(strstr(buf, "households | ") != NULL, "%s", buf);
    cr_expect(strstr(buf, "households·h | ") != NULL, "%s", buf);
    size_t seps = (size_t)-1;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "warning", 7)) continue;
        size_t n = 0;
        for (char *p = line; (p = strstr(p, " | ")); p += 3) n++;
        if (strchr(line, '|') && seps == (size_t)-1) seps = n;
        if (strstr(line, " | ")) cr_expect_eq(n, seps, "%s", line);
    }
    cr_expect_eq(seps, 7);
    free(buf);
    sim_free(&x);
}

Test(injects, hazard_after_the_horizon)
{
    /* A warning that names the hazard and its line, in the output and on stderr; an error
     * (exit 65, nothing on stdout) with --strict. */
    char dir[64], path[128], *out;
    scratch_make(dir, "late");
    snprintf(path, sizeof path, "%s/late.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("name: late\nmodel: japan-sectors\nhorizon: 1d\nhazards:\n"
          "  - {id: early, kind: cyber, select: {sectors: [ELEC]}, duration: 1h}\n"
          "  - {id: typo, kind: cyber, select: {sectors: [ICT]}, at: 2d}\n", f);
    fclose(f);
    cr_expect_eq(domino(dir, "run late.yaml --quiet", 1, &out), 0);
    cr_expect(strstr(out, "warning: late.yaml:6: hazard 'typo' starts at 2880 min or later, at or after the horizon (1440 min): "
                          "it has no effect") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "run late.yaml --quiet --strict", 0, &out), 65);
    cr_expect_str_eq(out, "");
    free(out);
    cr_expect_eq(domino(dir, "timeline late.yaml --strict", 1, &out), 65);
    cr_expect(strstr(out, "error (--strict): late.yaml:6: hazard 'typo'") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "run late.yaml --quiet -o late.h5", 0, &out), 0);
    free(out);
    cr_expect_eq(domino(dir, "timeline late.h5 --strict", 1, &out), 65, "%s", out);
    cr_expect(strstr(out, "error (--strict): late.h5:scenario_text:6: hazard 'typo' starts at 2880 min") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "timeline late.yaml --format md", 0, &out), 0);
    cr_expect(strstr(out, "## Notes\n\n- late.yaml:6: hazard 'typo'") != NULL, "%s", out);
    free(out);
    scratch_remove(dir);
}

Test(injects, cli_filters_and_errors)
{
    char *out;
    cr_expect_eq(domino("/", "timeline --sector NOPE", 1, &out), 2);
    cr_expect(strstr(out, "--sector: expected one of the model's sectors, found 'NOPE'") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino("/", "timeline --kinds losses,nope", 1, &out), 2);
    free(out);
    cr_expect_eq(domino("/", "timeline --min-change 120", 1, &out), 2);
    free(out);
    cr_expect_eq(domino("/", "timeline --kinds breaches --lang en", 0, &out), 0);
    cr_expect(strstr(out, "breach") && !strstr(out, "hit by"), "%s", out);
    free(out);
}

Test(injects, run_prints_the_summary_for_large_models)
{
    /* 2 x 10^5 nodes: the header and the breach table, with a pointer to the timeline;
     * --timeline gives the per-node lines. A 15-node model still prints its timeline. */
    char *out;
    const char *src = env("DOMINO_SOURCE");
    cr_assert_eq(domino(src, "run scenarios/mutual-percolation.yaml --quiet --lang en", 0, &out), 0);
    size_t lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    cr_expect(strstr(out, "(a model of 200000 nodes: the timeline comes with --timeline") != NULL, "%s", out);
    cr_expect(strstr(out, "Service-level breaches by sector") != NULL);
    cr_expect_lt(lines, 20, "%zu lines", lines);
    /* a layer sector in % shows its loss as a share of the layer (about 44 %), not as the
     * sum of its 10^5 nodes' capacities of 100 each (4,450,000 %, 4.4e+06 %·h) */
    cr_expect(strstr(out, "|        44.") != NULL && !strstr(out, ",000 %") && !strstr(out, "e+06 %"), "%s", out);
    free(out);
    cr_assert_eq(domino(src, "run scenarios/mutual-percolation.yaml --quiet --lang en --timeline", 0, &out), 0);
    lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    cr_expect_gt(lines, 1000, "%zu lines", lines);
    free(out);
    cr_assert_eq(domino(src, "run --quiet --lang en", 0, &out), 0);
    cr_expect(strstr(out, "\nTimeline\n") != NULL);
    free(out);
}

Test(injects, regional_breaches_are_grouped_and_named)
{
    /* every prefecture's 金融 breaches at once: one inject for the 47 regional breaches,
     * beside the national one; --region keeps that region's breach only */
    char *out = render(prefecture_yaml(BANK), DM_FORMAT_MD, DM_LANG_EN, NULL);
    cr_expect(strstr(out, "**T+00:00 — Finance (national)**: service-level breach confirmed (verification level: any loss of service).") != NULL, "%s", out);
    cr_expect(strstr(out, "**T+00:00 — Finance (all 47 regions)**: service-level breach confirmed (verification level: any loss of service).") != NULL, "%s", out);
    free(out);
    out = render(prefecture_yaml(BANK), DM_FORMAT_TEXT, DM_LANG_EN, niigata);
    const char *fin = strstr(out, "Finance (Niigata)");
    int breach_shown = fin && strstr(fin, "service-level breach confirmed");
    cr_expect(breach_shown, "%s", out);
    cr_expect(strstr(out, "(national)") == NULL, "%s", out);
    free(out);
}

/* A model of its own (the Japan model's calibration moves its times): 石油 (restart 1 h)
 * fuels 鉄道's and 港湾's 47 h and 物流's 48 h diesel stocks; any loss is a breach. */
#define TRUCK_MODEL \
    "model:\n  name: truck\n  sectors:\n" \
    "    - {id: OIL, name_en: Petroleum, name_ja: 石油, threshold: {magnitude: any}, dynamics: {kind: step, restart: 1h}}\n" \
    "    - {id: RAIL, name_en: Railways, name_ja: 鉄道, threshold: {magnitude: any}}\n" \
    "    - {id: PORT, name_en: Ports, name_ja: 港湾, threshold: {magnitude: any}}\n" \
    "    - {id: LOGI, name_en: Logistics, name_ja: 物流, threshold: {magnitude: any}}\n" \
    "  dependencies:\n" \
    "    - {dependent: RAIL, providers: OIL, buffer: {duration: 47h}}\n" \
    "    - {dependent: PORT, providers: OIL, buffer: {duration: 47h}}\n" \
    "    - {dependent: LOGI, providers: OIL, buffer: {duration: 48h}}\n"

Test(diff, a_fuel_truck_at_six_hours)
{
    /* Fuel deliveries cut from T+1 h for two days, and the counterfactual: they resume at
     * T+6 h (the truck gets through). By construction: in A the stocks run out at 1:00 +
     * 47:00 = 48:00 (鉄道, 港湾) and 1:00 + 48:00 = 49:00 (物流); in B, 5 h of drain, they
     * never do: those three breaches are avoided. 石油's own breach is shorter (moved: A
     * from 1:00 to the repair at 49:00 plus the 1 h restart, 50:00; B to 7:00); nothing
     * is gained, nothing else unchanged. */
    char dir[64], cmd[1024], *out;
    scratch_make(dir, "diff");
    const char *yaml[2] = {
        "name: truck\n" TRUCK_MODEL "horizon: 3d\nhazards:\n"
        "  - {id: fuel-delivery-cut, kind: disaster, select: {sectors: [OIL]}, at: 1h, duration: 2d}\n",
        "name: truck\n" TRUCK_MODEL "horizon: 3d\nhazards:\n"
        "  - {id: fuel-delivery-cut, kind: disaster, select: {sectors: [OIL]}, at: 1h, duration: 5h}\n"};
    for (int i = 0; i < 2; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%c.yaml", dir, 'a' + i);
        FILE *f = fopen(path, "w");
        fputs(yaml[i], f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "run %c.yaml -o %c.h5 --quiet", 'a' + i, 'a' + i);
        cr_assert_eq(domino(dir, cmd, 0, &out), 0);
        free(out);
    }
    cr_assert_eq(domino(dir, "diff a.h5 b.h5 --format json", 0, &out), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "%s: %s", jerr.text, out);
    json_t *sum = json_object_get(doc, "summary");
    cr_expect_eq(json_integer_value(json_object_get(sum, "gained")), 0);
    cr_expect_eq(json_integer_value(json_object_get(sum, "avoided")), 3);
    cr_expect_eq(json_integer_value(json_object_get(sum, "moved")), 1);
    const char *avoided[3] = {"RAIL", "PORT", "LOGI"};
    int64_t onset[3] = {48 * 60, 48 * 60, 49 * 60};
    json_t *ch = json_object_get(doc, "changes");
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(ch); i++) {
        json_t *e = json_array_get(ch, i);
        const char *what = json_string_value(json_object_get(e, "change")), *sec = json_string_value(json_object_get(e, "sector"));
        if (!strcmp(what, "avoided")) {
            cr_assert_lt(k, 3);
            cr_expect_str_eq(sec, avoided[k]);
            cr_expect_eq(json_integer_value(json_object_get(json_object_get(e, "a"), "onset_min")), onset[k]);
            cr_expect(json_is_null(json_object_get(e, "b")));
            k++;
        } else {
            cr_expect_str_eq(what, "moved");
            cr_expect_str_eq(sec, "OIL");
            /* A: down from 1:00 to the repair at 49:00, restart 1 h: breach to 50:00 */
            cr_expect_eq(json_integer_value(json_object_get(json_object_get(e, "a"), "end_min")), 50 * 60);
            cr_expect_lt(json_integer_value(json_object_get(e, "duration_change_min")), 0);
        }
    }
    cr_expect_eq(k, 3);
    json_decref(doc);
    free(out);
    cr_assert_eq(domino(dir, "diff a.h5 b.h5 --lang en", 0, &out), 0);
    cr_expect(strstr(out, "Breaches: 0 gained, 3 avoided, 1 moved, 0 unchanged\n") != NULL, "%s", out);
    cr_expect(strstr(out, "Railways  | -      | avoided | T+48:00 | -       |") != NULL, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "diff a.h5 b.h5 --format md --lang ja --sector LOGI", 0, &out), 0);
    cr_expect(strstr(out, "| 物流 | -    | 回避 | T+49:00 | -      |") != NULL, "%s", out);
    cr_expect(strstr(out, "鉄道") == NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "diff a.h5", 0, &out), 2);
    free(out);
    cr_expect_eq(domino(dir, "diff a.h5 missing.h5", 0, &out), 66);
    free(out);
    scratch_remove(dir);
}

/* Headless Chromium as the issue asks for it: no sandbox (root in CI), no GPU, no first-run
 * or background network traffic. */
#define CHROMIUM "chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"

Test(report, self_contained_page_drawn_in_a_browser, .timeout = 180)
{
    /* The prefecture Chuetsu case with 3 replicates: a page with nothing to fetch, that
     * Chromium loads without a console message, whose script ran (data-ready), and whose
     * screenshot shows the Gantt bars and the map with Niigata's loss. */
    char dir[64], cmd[2048], *out;
    scratch_make(dir, "report");
    char path[128];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(prefecture_yaml("horizon: 3d\nhazards:\n"
          "  - {id: chuetsu-blackout, kind: disaster, description: 変電所が停止, select: {sectors: [ELEC], regions: [Niigata]}, severity: 0.3, duration: 12h}\n"
          "  - {id: fuel-delivery-cut, kind: disaster, select: {sectors: [OIL], regions: [Niigata]}, at: 1h, duration: 2d}\n"), f);
    fclose(f);
    cr_assert_eq(domino(dir, "run c.yaml -o c.h5 --quiet --replicates 3 --no-timeline", 0, &out), 0);
    free(out);
    cr_assert_eq(domino(dir, "report c.h5 -o c.html --lang ja", 1, &out), 0, "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/c.html", dir);
    char *page = slurp(path);
    cr_expect(strstr(page, "<meta charset=\"utf-8\">") && strstr(page, "検証レベル該当（全国）") && strstr(page, "ガントチャート"));
    cr_expect(strstr(page, "<script src") == NULL && strstr(page, "<link") == NULL && strstr(page, "@import") == NULL &&
              strstr(page, "url(") == NULL, "the page refers to something outside it");
    for (const char *p = page; (p = strstr(p, "http")); p++)  /* only the SVG namespace, which is a name */
        cr_expect(!strncmp(p, "http://www.w3.org/2000/svg", 26) || !strncmp(p, "http-equiv", 10), "%.60s", p);
    free(page);
    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        scratch_remove(dir);
        cr_skip_test("chromium is not installed (tools/setup.sh installs it)");
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && HOME='%s' timeout 120 " CHROMIUM " --enable-logging=stderr --v=0 --dump-dom "
             "file://%s/c.html 2>chromium.log", dir, dir, dir);
    cr_assert_eq(run_capture(cmd, &out), 0);
    cr_expect(strstr(out, "data-ready=\"1\"") != NULL, "the page's script did not finish");
    free(out);
    snprintf(path, sizeof path, "%s/chromium.log", dir);
    char *log = slurp(path);
    cr_expect(strstr(log, ":CONSOLE") == NULL, "console messages: %s", log);
    free(log);
    snprintf(cmd, sizeof cmd, "cd '%s' && HOME='%s' timeout 120 " CHROMIUM " --window-size=1200,2600 --screenshot=%s/c.png "
             "file://%s/c.html 2>/dev/null && /usr/bin/python3 '%s/tests/check_report.py' c.png", dir, dir, dir, dir,
             env("DOMINO_SOURCE"));
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    free(out);
    scratch_remove(dir);
}

Test(report, errors)
{
    char *out;
    cr_expect_eq(domino("/tmp", "report missing.h5 -o x.html", 0, &out), 66);
    free(out);
    cr_expect_eq(domino("/tmp", "report missing.h5", 0, &out), 2);
    free(out);
}

Test(plots, japanese_region_and_sweep_plots, .timeout = 240)
{
    /* tools/plot.py on the prefecture Chuetsu case: Japanese with the installed CJK font
     * (no warning), --region for heatmap, map and gantt; and a sweep plot of the default
     * scenario's breach probability over the outage's duration. */
    char dir[64], cmd[8192], *out;
    scratch_make(dir, "plots");
    char path[128];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(prefecture_yaml("horizon: 1d\nhazards:\n"
          "  - {id: chuetsu-blackout, kind: disaster, select: {sectors: [ELEC], regions: [Niigata]}, severity: 0.3, duration: 12h}\n"), f);
    fclose(f);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    f = fopen(path, "w");
    fprintf(f, "name: outage-sweep\nscenario: %s/scenarios/default.yaml\nreplicates: 1\ndesign: grid\nparameters:\n"
               "  - name: outage\n    path: scenario.hazards[grid-control-attack].duration\n    range: [1h, 12h]\n    steps: 3\n",
            env("DOMINO_SOURCE"));
    fclose(f);
    cr_assert_eq(domino(dir, "run c.yaml -o c.h5 --quiet --no-timeline", 0, &out), 0);
    free(out);
    cr_assert_eq(domino(dir, "sweep s.yaml -o s.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    const char *plot = "/usr/bin/python3 '%s/tools/plot.py'";
    char p[1200];
    snprintf(p, sizeof p, plot, env("DOMINO_SOURCE"));
    int cjk = system("fc-list :lang=ja | grep -q .") == 0;
    snprintf(cmd, sizeof cmd, "cd '%s' && MPLCONFIGDIR='%s' %s heatmap c.h5 --lang ja --region Niigata -o h.png 2>&1 && "
             "MPLCONFIGDIR='%s' %s map c.h5 --lang ja --times 1h,6h --region 15 -o m.png 2>&1 && "
             "MPLCONFIGDIR='%s' %s gantt c.h5 --region 新潟県 -o g.png 2>&1 && "
             "MPLCONFIGDIR='%s' %s sweep s.h5 --param outage -o w.png 2>&1 && "
             "test -s h.png && test -s m.png && test -s g.png && test -s w.png",
             dir, dir, p, dir, p, dir, p, dir, p);
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    if (cjk) cr_expect(strstr(out, "no CJK font") == NULL, "a CJK font is installed: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "cd '%s' && %s heatmap c.h5 --region Atlantis 2>&1", dir, p);
    cr_expect_neq(run_capture(cmd, &out), 0);
    cr_expect(strstr(out, "--region: no region 'Atlantis'") != NULL, "%s", out);
    free(out);
    scratch_remove(dir);
}
