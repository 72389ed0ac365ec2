/* placeholder: being written */
typedef int vn_placeholder_ip_t;
