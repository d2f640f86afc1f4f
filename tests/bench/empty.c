/* The floor of every bench process: a static binary that does nothing. Its
 * CPU time is exec, glibc's static start-up (on this project's VMs mostly
 * the hypervisor trapping glibc's cpuid calls while it reads the CPU's
 * features and caches) and exit, which both sides pay before any work. */
int main(void)
{
	return 0;
}
