/* RTP headers, sequence checks and skip sets of the test tools (rtp.h). */
#include "rtp.h"

#include "cli.h"
#include "esc.h"

#include <errno.h>
#include <stdlib.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void mcr_rtp_put(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	buf[0] = 0x80;
	buf[1] = MCR_RTP_PT;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	put32(buf + 4, ts);
	put32(buf + 8, ssrc);
}

int mcr_rtp_strip(const uint8_t **buf, size_t *len, uint16_t *seq)
{
	size_t hdr;

	if (*len < MCR_RTP_HDR_LEN || ((*buf)[0] >> 6) != 2)
		return -EPROTO;
	hdr = MCR_RTP_HDR_LEN + 4u * ((*buf)[0] & 0x0f);
	if (*len < hdr)
		return -EPROTO;
	*seq = (uint16_t)((*buf)[2] << 8 | (*buf)[3]);
	*buf += hdr;
	*len -= hdr;
	return 0;
}

void mcr_rtp_track_add(struct mcr_rtp_track *t, uint16_t seq)
{
	if (t->have && seq != (uint16_t)(t->last + 1))
		t->breaks++;
	t->have = true;
	t->last = seq;
}

/* A number of a skip item; *end past it.  -EINVAL when there is none. */
static int skip_num(const char *p, char **end, uint64_t *v)
{
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(p, end, 10);
	return errno ? -EINVAL : 0;
}

static int skip_item(const char *p, char **end, struct mcr_skip_item *it)
{
	if (skip_num(p, end, &it->lo))
		return -EINVAL;
	it->hi = it->lo;
	it->mod = 0;
	if (**end == '-' && skip_num(*end + 1, end, &it->hi))
		return -EINVAL;
	if (**end == '%' && (skip_num(*end + 1, end, &it->mod) || !it->mod))
		return -EINVAL;
	return it->hi < it->lo || (it->mod && it->hi >= it->mod) ? -EINVAL : 0;
}

int mcr_skip_parse(const char *opt, const char *arg, struct mcr_skip *s)
{
	const char *p = arg;
	char *end;

	s->n = 0;
	while (*p) {
		if (s->n == MCR_SKIP_MAX) {
			mcr_tool_err("%s \"%s\": more than %u items", opt, mcr_esc_name(arg),
				     MCR_SKIP_MAX);
			return -EINVAL;
		}
		if (skip_item(p, &end, &s->it[s->n]) || (*end && *end != ',')) {
			mcr_tool_err("%s \"%s\": not a list of A, A-B, A%%M or A-B%%M "
				     "(A <= B, B < M)", opt, mcr_esc_name(arg));
			return -EINVAL;
		}
		s->n++;
		p = *end ? end + 1 : end;
	}
	return 0;
}

bool mcr_skip_has(const struct mcr_skip *s, uint64_t k)
{
	for (unsigned i = 0; i < s->n; i++) {
		uint64_t x = s->it[i].mod ? k % s->it[i].mod : k;

		if (x >= s->it[i].lo && x <= s->it[i].hi)
			return true;
	}
	return false;
}
