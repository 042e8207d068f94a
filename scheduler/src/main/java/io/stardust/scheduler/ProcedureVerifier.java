package io.stardust.scheduler;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a procedure's class file against the rules of {@link io.stardust.procedure.Procedure} and returns it with
 * step counting added: a call to {@link io.stardust.procedure.Steps} at each method entry, before each backward jump,
 * and before each array allocation. Pure: the same bytes give the same answer on every member.
 * <p>
 * The check is an allow-list of classes with a deny-list of their methods that read the clock, randomness, the
 * environment, the default locale or charset, identity hash codes, or start threads; anything outside it is refused
 * by name. It cannot see what a permitted JDK method does inside, so the list holds only methods whose result depends
 * on their arguments alone.
 */
public final class ProcedureVerifier
{
    private static final String STEPS = "io/stardust/procedure/Steps";
    private static final String PROCEDURE = "io/stardust/procedure/Procedure";

    /** Classes a procedure may use. */
    private static final Set<String> ALLOWED = Set.of(
        "java/lang/Object", "java/lang/String", "java/lang/StringBuilder", "java/lang/CharSequence",
        "java/lang/Math", "java/lang/StrictMath", "java/lang/Long", "java/lang/Integer", "java/lang/Short",
        "java/lang/Byte", "java/lang/Character", "java/lang/Boolean", "java/lang/Number", "java/lang/Comparable",
        "java/lang/Throwable", "java/lang/Exception", "java/lang/RuntimeException",
        "java/lang/IllegalArgumentException", "java/lang/IllegalStateException", "java/lang/ArithmeticException",
        "java/lang/IndexOutOfBoundsException", "java/lang/ArrayIndexOutOfBoundsException",
        "java/lang/NullPointerException", "java/lang/UnsupportedOperationException",
        "java/lang/NumberFormatException", "java/util/Arrays", "java/util/Objects", "java/nio/ByteBuffer",
        "java/nio/Buffer", "java/nio/ByteOrder", "java/nio/charset/StandardCharsets", "java/nio/charset/Charset",
        PROCEDURE, "io/stardust/procedure/ProcedureContext", "io/stardust/procedure/ArgType");

    /** Methods of allowed classes that are refused all the same, as {@code owner.name} or {@code owner.name desc}. */
    private static final Set<String> DENIED = Set.of(
        "java/lang/Object.hashCode", "java/lang/Object.toString", "java/lang/Object.wait",
        "java/lang/Object.notify", "java/lang/Object.notifyAll",
        "java/lang/Math.random", "java/lang/StrictMath.random",
        "java/lang/Long.getLong", "java/lang/Integer.getInteger", "java/lang/Boolean.getBoolean",
        "java/lang/String.format", "java/lang/String.formatted",
        "java/lang/String.toLowerCase ()Ljava/lang/String;", "java/lang/String.toUpperCase ()Ljava/lang/String;",
        "java/lang/String.getBytes ()[B", "java/lang/String.<init> ([B)V", "java/lang/String.<init> ([BII)V",
        "java/lang/String.valueOf (Ljava/lang/Object;)Ljava/lang/String;",
        "java/lang/StringBuilder.append (Ljava/lang/Object;)Ljava/lang/StringBuilder;",
        "java/lang/StringBuilder.insert (ILjava/lang/Object;)Ljava/lang/StringBuilder;",
        "java/lang/Throwable.getStackTrace", "java/lang/Throwable.printStackTrace",
        "java/lang/Throwable.fillInStackTrace", "java/lang/Throwable.setStackTrace",
        "java/util/Arrays.hashCode ([Ljava/lang/Object;)I", "java/util/Arrays.deepHashCode",
        "java/util/Arrays.toString ([Ljava/lang/Object;)Ljava/lang/String;", "java/util/Arrays.deepToString",
        "java/util/Arrays.parallelSort", "java/util/Arrays.parallelPrefix", "java/util/Arrays.parallelSetAll",
        "java/util/Arrays.setAll", "java/util/Arrays.stream", "java/util/Arrays.spliterator",
        "java/util/Objects.hashCode", "java/util/Objects.hash", "java/util/Objects.toString",
        "java/util/Objects.toIdentityString",
        "java/nio/ByteBuffer.allocateDirect", "java/nio/charset/Charset.defaultCharset",
        "java/nio/charset/Charset.forName", "java/nio/charset/Charset.availableCharsets");

    private ProcedureVerifier()
    {
    }

    /**
     * @param className the class's binary name, as registered.
     * @param bytes     its class file.
     * @return the class file with step counting added.
     * @throws IllegalArgumentException naming the first rule it breaks.
     */
    public static byte[] verify(final String className, final byte[] bytes)
    {
        final ClassReader reader;
        try
        {
            reader = new ClassReader(bytes);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("not a class file: " + ex.getMessage());
        }
        final String self = className.replace('.', '/');
        if (!reader.getClassName().equals(self))
        {
            throw new IllegalArgumentException("the class file holds " + reader.getClassName().replace('/', '.') +
                ", not " + className);
        }
        final ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        final Checker checker = new Checker(self, writer);
        reader.accept(checker, 0);
        checker.finish();
        return writer.toByteArray();
    }

    private static final class Checker extends ClassVisitor
    {
        private final String self;
        private final Map<String, Set<String>> calls = new HashMap<>();
        private final Set<String> declared = new HashSet<>();
        private final List<String> order = new ArrayList<>();
        private boolean publicNoArgConstructor;

        Checker(final String self, final ClassVisitor next)
        {
            super(Opcodes.ASM9, next);
            this.self = self;
        }

        @Override
        public void visit(final int version, final int access, final String name, final String signature,
            final String superName, final String[] interfaces)
        {
            if ((access & Opcodes.ACC_PUBLIC) == 0 || (access & (Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT |
                Opcodes.ACC_ENUM | Opcodes.ACC_RECORD)) != 0)
            {
                refuse("it must be a public, concrete class");
            }
            if (!"java/lang/Object".equals(superName))
            {
                refuse("it must extend Object directly, not " + superName.replace('/', '.'));
            }
            if (interfaces == null || !List.of(interfaces).contains(PROCEDURE))
            {
                refuse("it must implement io.stardust.procedure.Procedure");
            }
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public void visitInnerClass(final String name, final String outerName, final String innerName,
            final int access)
        {
            if (name.startsWith(self + "$") || self.equals(outerName))
            {
                refuse("it has a nested class " + name.replace('/', '.') + "; a procedure is one class");
            }
            if (name.equals(self))
            {
                refuse("it is a nested class; a procedure is a top-level class");
            }
            super.visitInnerClass(name, outerName, innerName, access);
        }

        @Override
        public void visitNestMember(final String nestMember)
        {
            refuse("it has a nested class " + nestMember.replace('/', '.') + "; a procedure is one class");
        }

        @Override
        public FieldVisitor visitField(final int access, final String name, final String descriptor,
            final String signature, final Object value)
        {
            if ((access & Opcodes.ACC_STATIC) != 0 && ((access & Opcodes.ACC_FINAL) == 0 || value == null))
            {
                refuse("static field " + name + " is not a compile-time constant; a procedure keeps no state " +
                    "between calls");
            }
            checkType(Type.getType(descriptor), "field " + name);
            return super.visitField(access, name, descriptor, signature, value);
        }

        @Override
        public MethodVisitor visitMethod(final int access, final String name, final String descriptor,
            final String signature, final String[] exceptions)
        {
            final String where = "method " + name + descriptor;
            if ("<clinit>".equals(name))
            {
                refuse("it has a static initializer; a procedure keeps no state between calls");
            }
            if ((access & (Opcodes.ACC_NATIVE | Opcodes.ACC_SYNCHRONIZED)) != 0)
            {
                refuse(where + " is native or synchronized");
            }
            if ("<init>".equals(name) && "()V".equals(descriptor) && (access & Opcodes.ACC_PUBLIC) != 0)
            {
                publicNoArgConstructor = true;
            }
            for (final Type t : Type.getArgumentTypes(descriptor))
            {
                checkType(t, where);
            }
            checkType(Type.getReturnType(descriptor), where);
            final String id = name + descriptor;
            declared.add(id);
            order.add(id);
            final Set<String> callees = calls.computeIfAbsent(id, (k) -> new HashSet<>());
            return new Counting(super.visitMethod(access, name, descriptor, signature, exceptions), where, callees);
        }

        void finish()
        {
            if (!publicNoArgConstructor)
            {
                refuse("it has no public no-argument constructor");
            }
            // Calls to this class's methods that it does not declare go to Object's.
            for (final Map.Entry<String, Set<String>> e : calls.entrySet())
            {
                for (final String callee : e.getValue())
                {
                    if (!declared.contains(callee))
                    {
                        checkCall("java/lang/Object", callee.substring(0, callee.indexOf('(')),
                            callee.substring(callee.indexOf('(')), "method " + e.getKey());
                    }
                }
            }
            // No cycles among its own methods: its call depth is then bounded by its size.
            final Map<String, Integer> state = new HashMap<>();
            for (final String m : order)
            {
                cycleFrom(m, state, new ArrayList<>());
            }
        }

        private void cycleFrom(final String m, final Map<String, Integer> state, final List<String> path)
        {
            final Integer s = state.get(m);
            if (s != null && s == 2)
            {
                return;
            }
            path.add(m);
            if (s != null && s == 1)
            {
                refuse("its methods call themselves (" + String.join(" -> ", path.subList(path.indexOf(m),
                    path.size())) + "); recursion is refused, as its depth has no bound the step count could see");
            }
            state.put(m, 1);
            for (final String callee : calls.getOrDefault(m, Set.of()))
            {
                if (declared.contains(callee))
                {
                    cycleFrom(callee, state, path);
                }
            }
            state.put(m, 2);
            path.remove(path.size() - 1);
        }

        private void checkType(final Type type, final String where)
        {
            Type t = type;
            while (t.getSort() == Type.ARRAY)
            {
                t = t.getElementType();
            }
            if (t.getSort() == Type.OBJECT)
            {
                checkClass(t.getInternalName(), where);
            }
        }

        private void checkClass(final String internal, final String where)
        {
            if (!internal.equals(self) && !ALLOWED.contains(internal))
            {
                refuse(where + " uses " + internal.replace('/', '.') + ", which a procedure may not (it may use " +
                    "String, StringBuilder, Math, the boxes, exceptions, Arrays, Objects, ByteBuffer, " +
                    "StandardCharsets and its context)");
            }
        }

        private void checkCall(final String owner, final String name, final String descriptor, final String where)
        {
            checkClass(owner, where);
            if (DENIED.contains(owner + "." + name) || DENIED.contains(owner + "." + name + " " + descriptor))
            {
                refuse(where + " calls " + owner.replace('/', '.') + "." + name + descriptor + ", which reads " +
                    "what differs between members (clock, randomness, environment, locale, identity hash) or " +
                    "starts threads");
            }
        }

        private static void refuse(final String why)
        {
            throw new IllegalArgumentException(why);
        }

        /** Checks each instruction and adds the step counting. */
        private final class Counting extends MethodVisitor
        {
            private final String where;
            private final Set<String> callees;
            private final Set<Label> seen = new HashSet<>();

            Counting(final MethodVisitor next, final String where, final Set<String> callees)
            {
                super(Opcodes.ASM9, next);
                this.where = where;
                this.callees = callees;
            }

            private void tick()
            {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, STEPS, "tick", "()V", false);
            }

            @Override
            public void visitCode()
            {
                super.visitCode();
                tick();
            }

            @Override
            public void visitLabel(final Label label)
            {
                seen.add(label);
                super.visitLabel(label);
            }

            @Override
            public void visitJumpInsn(final int opcode, final Label label)
            {
                if (seen.contains(label))
                {
                    tick();
                }
                super.visitJumpInsn(opcode, label);
            }

            @Override
            public void visitTableSwitchInsn(final int min, final int max, final Label dflt, final Label... labels)
            {
                if (anySeen(dflt, labels))
                {
                    tick();
                }
                super.visitTableSwitchInsn(min, max, dflt, labels);
            }

            @Override
            public void visitLookupSwitchInsn(final Label dflt, final int[] keys, final Label[] labels)
            {
                if (anySeen(dflt, labels))
                {
                    tick();
                }
                super.visitLookupSwitchInsn(dflt, keys, labels);
            }

            private boolean anySeen(final Label dflt, final Label[] labels)
            {
                if (seen.contains(dflt))
                {
                    return true;
                }
                for (final Label l : labels)
                {
                    if (seen.contains(l))
                    {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public void visitInsn(final int opcode)
            {
                if (opcode == Opcodes.MONITORENTER || opcode == Opcodes.MONITOREXIT)
                {
                    refuse(where + " synchronizes; a procedure runs alone and may not");
                }
                super.visitInsn(opcode);
            }

            @Override
            public void visitIntInsn(final int opcode, final int operand)
            {
                if (opcode == Opcodes.NEWARRAY)
                {
                    countAllocation();
                }
                super.visitIntInsn(opcode, operand);
            }

            @Override
            public void visitTypeInsn(final int opcode, final String type)
            {
                checkType(Type.getObjectType(type), where);
                if (opcode == Opcodes.ANEWARRAY)
                {
                    countAllocation();
                }
                super.visitTypeInsn(opcode, type);
            }

            private void countAllocation()
            {
                super.visitInsn(Opcodes.DUP);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, STEPS, "alloc", "(I)V", false);
            }

            @Override
            public void visitMultiANewArrayInsn(final String descriptor, final int numDimensions)
            {
                refuse(where + " allocates a multi-dimensional array; allocate each dimension on its own");
            }

            @Override
            public void visitFieldInsn(final int opcode, final String owner, final String name,
                final String descriptor)
            {
                checkClass(owner, where);
                checkType(Type.getType(descriptor), where);
                if (opcode == Opcodes.PUTSTATIC)
                {
                    refuse(where + " writes static field " + name + "; a procedure keeps no state between calls");
                }
                super.visitFieldInsn(opcode, owner, name, descriptor);
            }

            @Override
            public void visitMethodInsn(final int opcode, final String owner, final String name,
                final String descriptor, final boolean isInterface)
            {
                if (owner.equals(self))
                {
                    callees.add(name + descriptor);
                }
                else if (owner.startsWith("["))
                {
                    // A method of an array (clone): allowed when its element type is.
                    checkType(Type.getObjectType(owner), where);
                    if (!"clone".equals(name))
                    {
                        checkCall("java/lang/Object", name, descriptor, where);
                    }
                }
                else
                {
                    checkCall(owner, name, descriptor, where);
                }
                for (final Type t : Type.getArgumentTypes(descriptor))
                {
                    checkType(t, where);
                }
                super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            }

            @Override
            public void visitInvokeDynamicInsn(final String name, final String descriptor, final Handle bsm,
                final Object... bsmArgs)
            {
                if (!"java/lang/invoke/StringConcatFactory".equals(bsm.getOwner()))
                {
                    refuse(where + " uses invokedynamic through " + bsm.getOwner().replace('/', '.') +
                        " (a lambda or a method reference); a procedure may not");
                }
                for (final Type t : Type.getArgumentTypes(descriptor))
                {
                    final boolean plain = t.getSort() != Type.OBJECT && t.getSort() != Type.ARRAY;
                    if (!plain && !"java/lang/String".equals(t.getInternalName()))
                    {
                        refuse(where + " joins a " + t.getClassName() + " into a string; only text, numbers and " +
                            "characters may be (an object's text may hold its identity hash)");
                    }
                }
                super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
            }

            @Override
            public void visitLdcInsn(final Object value)
            {
                if (value instanceof Type t)
                {
                    if (t.getSort() == Type.METHOD)
                    {
                        refuse(where + " loads a method type constant");
                    }
                    checkType(t, where);
                }
                else if (!(value instanceof Number || value instanceof String))
                {
                    refuse(where + " loads a constant of kind " + value.getClass().getSimpleName());
                }
                super.visitLdcInsn(value);
            }

            @Override
            public void visitTryCatchBlock(final Label start, final Label end, final Label handler,
                final String type)
            {
                if (type != null)
                {
                    checkClass(type, where);
                }
                super.visitTryCatchBlock(start, end, handler, type);
            }
        }
    }
}
