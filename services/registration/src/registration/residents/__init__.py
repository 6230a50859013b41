"""城乡居民 (insutype 390): 参保登记 by the person or in bulk from a school's or community's table, and 变更登记."""
