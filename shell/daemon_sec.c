/* The daemon's side of the security layer (docs/security.md): reading the
 * key files (refusing ones others can read, as ssh does), the RSU's
 * persisted epoch, the counter start, and the hooks between the raw socket
 * and the core. The checks themselves are in common/sec_layer.c. */
#include "daemon_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sec_layer.h"

#define KEYFILE_MAX 65536

/* Reads a whole key file into buf (NUL-terminated). `secret`: refused if
 * the group or others may read it, or if it is not a regular file. */
static int read_keyfile(const char *what, const char *path, bool secret, char *buf, size_t cap,
			size_t *len, struct vn_error *e)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		vn_error_set(e, "[security] %s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vn_error_set(e, "[security] %s %s: not a regular file", what, path);
		close(fd);
		return -1;
	}
	if (secret && (st.st_mode & 077) != 0) {
		vn_error_set(e,
			     "[security] %s %s: permissions %04o are too open: a key file must "
			     "not be accessible by group or others (chmod 600 %s)",
			     what, path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got + 1 >= cap) {
		vn_error_set(e, "[security] %s %s: larger than %zu bytes", what, path, cap - 1);
		return -1;
	}
	buf[got] = '\0';
	*len = got;
	return 0;
}

int vn_dsec_load_keys(const struct vn_config *c, struct vn_dsec_keys *k, struct vn_error *e)
{
	static char buf[KEYFILE_MAX];
	char err[VN_SEC_ERR_LEN];
	size_t len;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (read_keyfile("network_key", c->sec.network_key, true, buf, sizeof(buf), &len, e) < 0)
		goto out;
	if (vn_sec_parse_netkeys(buf, len, &k->net, err, sizeof(err)) < 0) {
		vn_error_set(e, "[security] network_key %s: %s", c->sec.network_key, err);
		goto out;
	}
	if (c->role == VN_ROLE_RSU) {
		if (read_keyfile("signing_key", c->sec.signing_key, true, buf, sizeof(buf), &len,
				 e) < 0)
			goto out;
		if (vn_sec_parse_signkey(buf, len, &k->sign, err, sizeof(err)) < 0) {
			vn_error_set(e, "[security] signing_key %s: %s", c->sec.signing_key, err);
			goto out;
		}
	} else {
		/* public keys: anyone may read them */
		if (read_keyfile("rsu_keys", c->sec.rsu_keys, false, buf, sizeof(buf), &len, e) < 0)
			goto out;
		if (vn_sec_parse_rsukeys(buf, len, &k->rsus, err, sizeof(err)) < 0) {
			vn_error_set(e, "[security] rsu_keys %s: %s", c->sec.rsu_keys, err);
			goto out;
		}
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	if (rc < 0)
		sodium_memzero(k, sizeof(*k));
	return rc;
}

/* The RSU's epoch: one more than the last run's, written (and synced)
 * before the first heartbeat, so that a restart is never taken for a
 * replay of the previous run. */
int vn_dsec_next_epoch(const char *dir, uint32_t *epoch, struct vn_error *e)
{
	char path[VN_PATH_MAX + 32], tmp[VN_PATH_MAX + 40], line[32];
	unsigned long long last = 0;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/rsud.epoch", dir);
	snprintf(tmp, sizeof(tmp), "%s/rsud.epoch.tmp", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vn_error_set(e, "[security] state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	f = fopen(path, "re");
	if (f != NULL) {
		char *end;

		if (fgets(line, sizeof(line), f) == NULL ||
		    (last = strtoull(line, &end, 10), *end != '\n' && *end != '\0') ||
		    last >= UINT32_MAX) {
			fclose(f);
			vn_error_set(e, "%s: not an epoch number; remove it only if no RSU with "
					"this key ran before (it would be taken for a replay)", path);
			return -1;
		}
		fclose(f);
	} else if (errno != ENOENT) {
		vn_error_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	*epoch = (uint32_t)last + 1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%u\n", *epoch) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		vn_error_set(e, "%s: cannot write the epoch: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

int vn_dsec_setup(struct daemon *d, struct vn_error *e)
{
	struct vn_sec_params p;
	struct vn_dsec_keys k;
	struct timespec ts;
	uint32_t epoch = 0;

	if (d->cfg.sec.mode == VN_SEC_OFF) {
		vn_notice("[security] mode off: the network is unauthenticated (anyone on the "
			  "channel can forge heartbeats and inject packets; see docs/security.md)");
		return 0;
	}
	if (sodium_init() < 0) {
		vn_error_set(e, "libsodium cannot be initialised");
		return -1;
	}
	if (vn_dsec_load_keys(&d->cfg, &k, e) < 0)
		return -1;
	if (d->ops->role == VN_ROLE_RSU && vn_dsec_next_epoch(d->cfg.sec.state_dir, &epoch, e) < 0)
		return -1;
	vn_sec_params_default(&p);
	p.max_hops = (uint8_t)d->cfg.sec.max_hops;
	/* Counters start at the wall clock in microseconds: above anything
	 * the previous run sent (it could not send a frame per microsecond). */
	clock_gettime(CLOCK_REALTIME, &ts);
	d->sec = vn_sec_create(&d->wire.mac, &p,
			       (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u,
			       vn_now());
	d->sec_tx = malloc(VN_PBUF_SIZE + VN_SEC_OVERHEAD);
	if (d->sec == NULL || d->sec_tx == NULL) {
		sodium_memzero(&k, sizeof(k));
		vn_error_set(e, "out of memory");
		return -1;
	}
	vn_dsec_apply_keys(d, &k);
	if (d->ops->role == VN_ROLE_RSU)
		vn_sec_set_signkey(d->sec, &k.sign, epoch);
	sodium_memzero(&k, sizeof(k));
	if (d->cfg.sec.mode == VN_SEC_ENCRYPT) {
		/* this run's session key pair (obud) and broadcast salt: fresh
		 * randomness each start, so no key of a previous run returns */
		uint8_t seed[32];

		randombytes_buf(seed, sizeof(seed));
		vn_sec_set_encrypt(d->sec, seed);
		sodium_memzero(seed, sizeof(seed));
	}
	vn_notice("[security] mode %s: %u network key(s), sending with key id %u%s%u",
		  vn_sec_mode_name(d->cfg.sec.mode), d->sec_nkeys, d->sec_send_id,
		  d->ops->role == VN_ROLE_RSU ? "; epoch " : "; trusted RSUs ",
		  d->ops->role == VN_ROLE_RSU ? epoch : d->sec_nrsus);
	return 0;
}

void vn_dsec_apply_keys(struct daemon *d, const struct vn_dsec_keys *k)
{
	vn_sec_set_netkeys(d->sec, &k->net);
	d->sec_nkeys = k->net.n;
	d->sec_send_id = k->net.k[k->net.send].id;
	if (d->ops->role == VN_ROLE_OBU) {
		vn_sec_set_rsukeys(d->sec, &k->rsus);
		d->sec_nrsus = k->rsus.n;
	} else {
		/* the epoch stays: it counts runs, not reloads */
		vn_sec_set_signkey(d->sec, &k->sign, vn_sec_epoch(d->sec));
	}
}

void vn_dsec_teardown(struct daemon *d)
{
	vn_sec_destroy(d->sec);
	d->sec = NULL;
	free(d->sec_tx);
	d->sec_tx = NULL;
}

/* The pool buffer holding [frame, frame + len), or NULL. */
static const struct vn_pbuf *pool_buf(const struct daemon *d, const uint8_t *frame, size_t len)
{
	for (size_t i = 0; i < d->pool.count; i++) {
		const struct vn_pbuf *b = &d->pool.bufs[i];

		if (frame >= b->start && frame + len <= b->start + b->size)
			return b;
	}
	return NULL;
}

/* A data frame in one of our buffers is secured where it lies: data runs to
 * the end of its frame, so its tailroom is free, and its headroom holds
 * nothing the core still reads. Control frames (a few dozen bytes, from the
 * cores' scratch buffers or the middle of a batch) are copied first. */
size_t vn_dsec_wrap(struct daemon *d, const uint8_t *frame, size_t len, uint8_t **out,
		    bool *in_place)
{
	const struct vn_pbuf *b = len > VN_MSG_HLEN && frame[14] == 1 ? pool_buf(d, frame, len)
								       : NULL;
	uint8_t *f;
	size_t head, tail;

	if (b != NULL) {
		f = (uint8_t *)(uintptr_t)frame; /* our own pool memory */
		head = (size_t)(f - b->start);
		tail = b->size - head - len;
		*in_place = true;
	} else {
		if (len > VN_PBUF_SIZE - VN_PBUF_HEADROOM)
			return 0;
		f = d->sec_tx + VN_PBUF_HEADROOM;
		memcpy(f, frame, len);
		head = VN_PBUF_HEADROOM;
		tail = VN_PBUF_SIZE + VN_SEC_OVERHEAD - VN_PBUF_HEADROOM - len;
		*in_place = false;
	}
	return vn_sec_tx(d->sec, f, len, head, tail, out);
}

/* obud, after every burst and tick: tells the layer which RSU the core
 * routes by and through which neighbour (those heartbeats get the reserve
 * budget; our Upstream packets are sealed for that RSU) the moment they
 * change, so that no packet is sealed for an RSU the core has left; in
 * encrypt mode the session hello goes at once then (the new RSU can
 * reach us before we sent it anything), and once a second (an RSU that
 * restarted has us again within a second). */
void vn_dsec_follow_upstream(struct daemon *d, vn_usec now)
{
	struct vn_mac rsu, via;
	bool has;

	if (d->sec == NULL || d->ops->role != VN_ROLE_OBU || d->ops->upstream == NULL)
		return;
	has = d->ops->upstream(d->core, &rsu, &via);
	if (has == d->sec_chosen &&
	    (!has || (vn_mac_eq(&rsu, &d->sec_rsu) && vn_mac_eq(&via, &d->sec_via)))) {
		if (!has || now - d->sec_hello_at < 1000000u)
			return;
	} else {
		d->sec_chosen = has;
		vn_sec_set_chosen(d->sec, has ? &rsu : NULL, has ? &via : NULL);
		if (!has)
			return;
		d->sec_rsu = rsu;
		d->sec_via = via;
	}
	d->sec_hello_at = now;
	if (d->cfg.sec.mode == VN_SEC_ENCRYPT) {
		uint8_t hello[VN_UP_HLEN];

		vn_sec_hello(d->sec, &via, hello);
		d->io.send(d->io.ctx, hello, sizeof(hello));
	}
}

/* -n: the key files are part of the configuration. Returns the exit code. */
int vn_dsec_check_files(const struct vn_config *c, const char *path)
{
	static struct vn_dsec_keys k;
	struct vn_error e = { "" };

	if (c->sec.mode == VN_SEC_OFF)
		return 0;
	if (sodium_init() < 0 || vn_dsec_load_keys(c, &k, &e) < 0) {
		fprintf(stderr, "%s: %s\n", path, e.msg[0] != '\0' ? e.msg : "libsodium failed");
		return 1;
	}
	sodium_memzero(&k, sizeof(k));
	return 0;
}

/* Keys reload with the configuration: every file is read and checked
 * before any is used (prepare), and applied only once the whole reload is
 * accepted (commit), so a bad file keeps the running keys. */
static struct vn_dsec_keys staged; /* 10 KB: not on the stack */

int vn_dsec_reload_prepare(struct daemon *d, const struct vn_config *n, struct vn_error *e)
{
	if (d->sec == NULL)
		return 0;
	return vn_dsec_load_keys(n, &staged, e);
}

void vn_dsec_reload_commit(struct daemon *d)
{
	if (d->sec == NULL)
		return;
	vn_dsec_apply_keys(d, &staged);
	sodium_memzero(&staged, sizeof(staged));
	vn_notice("[security] keys reloaded: %u network key(s), sending with key id %u",
		  d->sec_nkeys, d->sec_send_id);
}
