/* relay_codec.h - codec configuration records, parsed without I/O.
 *
 * The H.264 AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.2.4.1, the
 * body of an FLV AVC sequence header after its 5-byte VIDEODATA prefix),
 * the SPS inside it (for the picture size), and the AAC
 * AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1). Bytes in, a struct out;
 * each returns 0, or -1 when the input is truncated or malformed. */
#ifndef FARMLIVE_RELAY_CODEC_H
#define FARMLIVE_RELAY_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct relay_avc_config {
    uint8_t profile;     /* profile_idc */
    uint8_t compat;      /* constraint flags */
    uint8_t level;       /* level_idc */
    int nal_length_size; /* 1, 2 or 4 */
    int nb_sps, nb_pps;
    int width, height; /* from the first SPS, cropping applied */
} relay_avc_config;

typedef struct relay_aac_config {
    int object_type; /* 2 = AAC LC, 5 = SBR, 29 = PS ... */
    int sample_rate; /* Hz */
    int channels;    /* channel configuration; 0 = in the PCE */
} relay_aac_config;

int relay_avcc_parse(const uint8_t *p, size_t len, relay_avc_config *out);
/* sps: one SPS NAL unit, header byte included, emulation prevention bytes
 * still in. */
int relay_h264_sps_size(const uint8_t *sps, size_t len, int *width, int *height);
int relay_asc_parse(const uint8_t *p, size_t len, relay_aac_config *out);
/* The SPS and PPS NAL units of an avcC, each prefixed with its length in
 * nal_length_size bytes (as a sample's NAL units are), into out. The bytes
 * written, or -1 when the record is truncated or they do not fit in cap. */
int relay_avcc_parameter_sets(const uint8_t *p, size_t len, int nal_length_size, uint8_t *out, size_t cap);
/* "avc1.64001f" into buf (at least 12 bytes). */
void relay_avc_codec_string(const relay_avc_config *c, char *buf, size_t buflen);

#endif
