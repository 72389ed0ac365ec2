/* placeholder: being written */
typedef int vn_placeholder_rsu_core_t;
