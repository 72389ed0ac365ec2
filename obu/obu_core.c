/* placeholder: being written */
typedef int vn_placeholder_obu_core_t;
