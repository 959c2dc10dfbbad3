/* IPv4 address, port and interface-name parsing shared by mcrd and mcrctl. */
#ifndef MCR_ADDR_H
#define MCR_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define MCR_ADDRSTRLEN 16

/* Dotted quad only ("1.2.3.4"); 0 or -EINVAL. */
int mcr_parse_ipv4(const char *s, struct in_addr *out);
/* Decimal 1..65535; 0 or -EINVAL / -ERANGE. */
int mcr_parse_port(const char *s, uint16_t *out);
/* Decimal lo..hi; 0, -EINVAL (not digits only) or -ERANGE (any number outside). */
int mcr_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A name the kernel would accept for a network interface. */
bool mcr_ifname_valid(const char *name);
bool mcr_ipv4_is_multicast(struct in_addr a);
/* Formats into buf (MCR_ADDRSTRLEN bytes) and returns it. */
const char *mcr_ipv4_str(struct in_addr a, char *buf);

#endif
