/* Device offload features by ethtool ioctl (devfeat.h). */
#include "devfeat.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_SEG_NAME "tx-udp-segmentation"

static int ethtool(int fd, const char *name, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* How many feature names the kernel has (every device has the same). */
static int feature_count(int fd, const char *name)
{
	/* struct ethtool_sset_info and room for its one data[] entry */
	uint64_t buf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = { 0 };
	struct ethtool_sset_info *ss = (struct ethtool_sset_info *)(void *)buf;
	int err;

	ss->cmd = ETHTOOL_GSSET_INFO;
	ss->sset_mask = 1ULL << ETH_SS_FEATURES;
	if ((err = ethtool(fd, name, ss)))
		return err;
	return ss->sset_mask ? (int)ss->data[0] : -EOPNOTSUPP;
}

/* The index of UDP_SEG_NAME among the kernel's feature names. */
static int feature_index(int fd, const char *name, int n)
{
	struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	int idx = -ENOENT, err;

	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = (uint32_t)n;
	if ((err = ethtool(fd, name, gs))) {
		free(gs);
		return err;
	}
	for (int i = 0; i < n && i < (int)gs->len; i++)
		if (!strncmp((const char *)gs->data + (size_t)i * ETH_GSTRING_LEN, UDP_SEG_NAME,
			     ETH_GSTRING_LEN))
			idx = i;
	free(gs);
	return idx;
}

static int active(int fd, const char *name, int n, int idx)
{
	uint32_t blocks = ((uint32_t)n + 31) / 32;
	struct ethtool_gfeatures *gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	int err;

	if (!gf)
		return -ENOMEM;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = blocks;
	err = ethtool(fd, name, gf);
	if (!err)
		err = !!(gf->features[idx / 32].active & (1u << (idx % 32)));
	free(gf);
	return err;
}

int devfeat_udp_seg(const char *name)
{
	static int n, idx = -1; /* the kernel's, found once */
	int fd, r;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (idx < 0) {
		r = n = feature_count(fd, name);
		if (r >= 0)
			r = idx = feature_index(fd, name, n);
		if (r < 0) {
			idx = -1;
			close(fd);
			return r;
		}
	}
	r = active(fd, name, n, idx);
	close(fd);
	return r;
}
