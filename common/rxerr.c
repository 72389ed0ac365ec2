/* placeholder: being written */
typedef int vn_placeholder_rxerr_t;
