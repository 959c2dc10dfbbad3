/* Report formatting for mcrsink; JSON is written by hand, escaping device names. */
#include "sinkreport.h"

#include "addr.h"

#include <inttypes.h>

/* Device names may hold any byte but '/', ':' and white space. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch); /* keeps the output valid UTF-8 */
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_counts(FILE *f, const struct mcr_tool_counts *c)
{
	fprintf(f, "\"received\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"unique\":%" PRIu64
		",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64
		",\"corrupted\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"dropped\":%" PRIu64
		",\"max_silence_ms\":%.1f,\"rtp_breaks\":%" PRIu64, c->received, c->bytes,
		c->unique, c->lost, c->duplicated, c->reordered, c->corrupted, c->foreign,
		c->dropped, (double)c->max_silence_ns / 1e6, c->rtp_breaks);
}

static void json_row(FILE *f, const struct mcr_tool_report_row *r)
{
	char ab[MCR_ADDRSTRLEN];

	fputs("{\"dev\":", f);
	json_str(f, r->s->dev);
	fprintf(f, ",\"group\":\"%s\",\"port\":%u,\"source\":", mcr_addr_str(r->s->group, ab),
		r->s->port);
	if (r->s->has_source)
		fprintf(f, "\"%s\",", mcr_addr_str(r->s->source, ab));
	else
		fputs("null,", f);
	json_counts(f, &r->c);
	if (r->h.any)
		fprintf(f, ",\"ttl_min\":%u,\"ttl_max\":%u,\"tos_min\":%u,\"tos_max\":%u,"
			"\"from\":\"%s\",\"from_port\":%u", r->h.ttl_min, r->h.ttl_max, r->h.tos_min,
			r->h.tos_max, mcr_addr_str(r->h.from, ab), r->h.from_port);
	else
		fputs(",\"ttl_min\":null,\"ttl_max\":null,\"tos_min\":null,\"tos_max\":null,"
		      "\"from\":null,\"from_port\":null", f);
	fputc('}', f);
}

static void text_counts(FILE *f, const struct mcr_tool_counts *c)
{
	fprintf(f, "received %" PRIu64 " lost %" PRIu64 " dup %" PRIu64 " reorder %" PRIu64
		" corrupt %" PRIu64 " foreign %" PRIu64 " dropped %" PRIu64 " bytes %" PRIu64,
		c->received, c->lost, c->duplicated, c->reordered, c->corrupted, c->foreign,
		c->dropped, c->bytes);
	if (c->rtp_breaks)
		fprintf(f, " rtp-breaks %" PRIu64, c->rtp_breaks);
	fputc('\n', f);
}

static void text_row(FILE *f, const struct mcr_tool_report_row *r)
{
	char gp[MCR_ADDRPORTSTRLEN], sb[MCR_ADDRSTRLEN];

	fprintf(f, "%s %s", r->s->dev, mcr_addr_port_str(r->s->group, r->s->port, gp));
	if (r->s->has_source)
		fprintf(f, " from %s", mcr_addr_str(r->s->source, sb));
	fputs("  ", f);
	text_counts(f, &r->c);
}

void mcr_tool_report(FILE *f, const struct mcr_tool_report_row *rows, size_t n,
		     bool json, double seconds, const char *stop)
{
	struct mcr_tool_counts total = { 0 };

	for (size_t i = 0; i < n; i++)
		mcr_tool_counts_add(&total, &rows[i].c);
	if (json) {
		fputs("{\"streams\":[", f);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', f);
			json_row(f, &rows[i]);
		}
		fputs("],\"total\":{", f);
		json_counts(f, &total);
		fprintf(f, "},\"seconds\":%.3f,\"stop\":\"%s\"}\n", seconds, stop);
		return;
	}
	fprintf(f, "mcrsink: %zu stream%s, %.3f s, stop: %s\n", n, n == 1 ? "" : "s",
		seconds, stop);
	for (size_t i = 0; i < n; i++)
		text_row(f, &rows[i]);
	fputs("total  ", f);
	text_counts(f, &total);
}
