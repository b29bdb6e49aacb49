#include "daemon/app.hpp"

int main(int argc, char** argv) { return atomd::atomd_main(argc, argv); }
